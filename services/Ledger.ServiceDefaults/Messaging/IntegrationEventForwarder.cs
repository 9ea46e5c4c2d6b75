using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Ledger.ServiceDefaults.Messaging;

/// <summary>Turns a committed domain event into the integration event subscribers see, or null to keep it internal.</summary>
public interface IIntegrationEventMap
{
    object? ToIntegrationEvent(IEvent committed);
}

/// <summary>
/// The event store is the outbox: a Marten subscription, run by the async daemon, publishes
/// each committed event to RabbitMQ with the Marten event id as the message id. Progress is
/// saved only after a page is published, so an event is published at least once, in order,
/// even when RabbitMQ was down at commit time; consumers deduplicate on the message id.
/// Every message carries <c>ledger-sequence</c> (its event's sequence in the service's event
/// store) and <c>ledger-previous-sequence</c> (the sequence of the event published just before
/// it, 0 for the first), so a consumer can apply them in commit order and see a gap.
/// A page's publishes are pipelined: up to <see cref="PublishesInFlight"/> wait for RabbitMQ's
/// confirm at once (one at a time, each confirm's round trip capped the outbox at a few hundred
/// events per second), started in commit order on the bus's channel. A publish that fails and is
/// retried may reach the broker after later ones; the previous-sequence header lets consumers
/// put it back in order.
/// </summary>
public sealed class IntegrationEventForwarder : SubscriptionBase
{
    public const string SubscriptionName = "integration-events";
    public const string SequenceHeader = "ledger-sequence";
    public const string PreviousSequenceHeader = "ledger-previous-sequence";
    public const string StreamIdHeader = "ledger-stream-id";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// One publish attempt's bound. A publish caught by a broker shutdown can wait for a confirm
    /// that never comes; without a bound, the outbox would stop there for good.
    /// </summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Publishes of one page awaiting their confirm at once.</summary>
    public const int PublishesInFlight = 64;

    private readonly IBus _bus;
    private readonly IIntegrationEventMap _map;
    private readonly ILogger<IntegrationEventForwarder> _logger;

    // The last event this instance published and the page it ended; trusted only for the page that continues it.
    private (long Published, long Ceiling)? _last;

    public IntegrationEventForwarder(IBus bus, IIntegrationEventMap map, ILogger<IntegrationEventForwarder> logger)
    {
        _bus = bus;
        _map = map;
        _logger = logger;
        Name = SubscriptionName;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        long? previous = _last is { } last && last.Ceiling == page.SequenceFloor ? last.Published : null;
        var inFlight = new Queue<Task>();
        try
        {
            foreach (var committed in page.Events)
            {
                if (_map.ToIntegrationEvent(committed) is { } message)
                {
                    // After a restart or a hand-over between replicas the page does not say it.
                    previous ??= await PublishedEvents.PreviousPublishedAsync(operations.Events, _map, committed.Sequence, cancellationToken);
                    if (inFlight.Count == PublishesInFlight)
                    {
                        await inFlight.Dequeue();
                    }

                    inFlight.Enqueue(PublishUntilAcceptedAsync(committed, message, previous.Value, cancellationToken));
                    previous = committed.Sequence;
                }
            }
        }
        finally
        {
            // Progress is saved only after every publish of the page is confirmed; on cancellation none is left running.
            await Task.WhenAll(inFlight);
        }

        _last = previous is { } published ? (published, page.SequenceCeiling) : null;
        return NullChangeListener.Instance;
    }

    private async Task PublishUntilAcceptedAsync(IEvent committed, object message, long previous, CancellationToken cancellationToken)
    {
        // Continue the trace of the request that appended the event; MassTransit carries it on to the consumer.
        using var activity = LedgerTelemetry.ActivitySource.StartActivity(
            $"{message.GetType().Name} publish", ActivityKind.Producer, TraceContextHeaders.ParentOf(committed));
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(PublishTimeout);
            try
            {
                await _bus.Publish(message, context =>
                {
                    context.MessageId = committed.Id;
                    context.Headers.Set(SequenceHeader, committed.Sequence);
                    context.Headers.Set(PreviousSequenceHeader, previous);
                    context.Headers.Set(StreamIdHeader, committed.StreamId.ToString());
                }, bounded.Token);
                if (attempt > 1)
                {
                    _logger.LogInformation("Published {MessageType} {MessageId} after {Attempts} attempts",
                        message.GetType().Name, committed.Id, attempt);
                }
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var reason = e is OperationCanceledException ? $"RabbitMQ did not confirm it within {PublishTimeout.TotalSeconds:F0} s" : e.Message;
                _logger.LogWarning("Publishing {MessageType} {MessageId} (sequence {Sequence}) failed, retrying in {Backoff}: {Reason}",
                    message.GetType().Name, committed.Id, committed.Sequence, backoff, reason);
                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }
}
