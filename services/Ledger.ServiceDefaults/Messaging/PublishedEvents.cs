using System.Text.Json;
using JasperFx.Events;
using Marten;

namespace Ledger.ServiceDefaults.Messaging;

/// <summary>One integration event as the outbox published it: the headers a consumer orders by, and the message.</summary>
public sealed record PublishedEvent(long Sequence, long PreviousSequence, Guid MessageId, object Message)
{
    /// <summary>The contract named as its exchange, e.g. <c>Ledger.IntegrationEvents.V1:LicenseIssued</c>.</summary>
    public string MessageType => $"{Message.GetType().Namespace}:{Message.GetType().Name}";
}

/// <summary>A page of <see cref="PublishedEvents"/>, and how far the outbox has published.</summary>
public sealed record PublishedEventsPage(IReadOnlyList<PublishedEvent> Events, long PublishedThrough);

/// <summary>
/// The integration events the service's outbox (<see cref="IntegrationEventForwarder"/>) has already
/// published, read back from the event store: the same message id, sequence, previous sequence and
/// body a subscriber got from RabbitMQ. A consumer that missed some (its queue bound after they went
/// out, a message dead-lettered) catches up from here in the service's order. Only events at or
/// below the outbox's saved position are listed: below it every commit is final and published, so
/// the list can never skip an event that commits later with a lower sequence.
/// </summary>
public sealed class PublishedEvents(IDocumentStore store, IIntegrationEventMap map)
{
    public const int DefaultMaxEvents = 500;
    public const int MaxEvents = 1000;
    private const int ReadPage = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The message's JSON as the RabbitMQ envelope carries it (camelCase members).</summary>
    public static string ToJson(object message) => JsonSerializer.Serialize(message, message.GetType(), Json);

    public async Task<PublishedEventsPage> ListAsync(long afterSequence, int maxEvents, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEvents);
        var publishedThrough = await PublishedThroughAsync(cancellationToken);
        await using var session = store.QuerySession();
        var events = new List<PublishedEvent>();
        long? previous = null;
        var from = afterSequence;
        while (events.Count < maxEvents && from < publishedThrough)
        {
            var page = await session.Events.QueryAllRawEvents()
                .Where(e => e.Sequence > from && e.Sequence <= publishedThrough)
                .OrderBy(e => e.Sequence)
                .Take(ReadPage)
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var committed in page)
            {
                if (map.ToIntegrationEvent(committed) is not { } message)
                {
                    continue;
                }

                previous ??= await PreviousPublishedAsync(session.Events, map, committed.Sequence, cancellationToken);
                events.Add(new PublishedEvent(committed.Sequence, previous.Value, committed.Id, message));
                previous = committed.Sequence;
                if (events.Count == maxEvents)
                {
                    break;
                }
            }

            from = page[^1].Sequence;
        }

        return new PublishedEventsPage(events, publishedThrough);
    }

    /// <summary>The outbox subscription's saved position: every event up to it has been published.</summary>
    private async Task<long> PublishedThroughAsync(CancellationToken cancellationToken)
    {
        var progress = await store.Advanced.AllProjectionProgress(token: cancellationToken);
        return progress.Where(p => p.ShardName.StartsWith(IntegrationEventForwarder.SubscriptionName + ":", StringComparison.Ordinal))
            .Select(p => p.Sequence)
            .DefaultIfEmpty(0)
            .Max();
    }

    /// <summary>
    /// The sequence of the newest event before <paramref name="sequence"/> that maps to an integration
    /// event (0 if none): what the outbox sends as <c>ledger-previous-sequence</c>.
    /// </summary>
    internal static async Task<long> PreviousPublishedAsync(Marten.Events.IQueryEventStore events, IIntegrationEventMap map, long sequence, CancellationToken cancellationToken)
    {
        var before = sequence;
        while (true)
        {
            var older = await events.QueryAllRawEvents()
                .Where(e => e.Sequence < before)
                .OrderByDescending(e => e.Sequence)
                .Take(ReadPage)
                .ToListAsync(cancellationToken);
            if (older.FirstOrDefault(e => map.ToIntegrationEvent(e) is not null) is { } published)
            {
                return published.Sequence;
            }

            if (older.Count < ReadPage)
            {
                return 0;
            }

            before = older[^1].Sequence;
        }
    }
}
