using System.Diagnostics;
using JasperFx.Events;
using Marten;

namespace Ledger.ServiceDefaults.EventStore;

/// <summary>
/// Carries a request's W3C trace context across the event store: stamped on every event a
/// session appends, and restored when the outbox publishes the event, so one trace follows a
/// request from the gRPC call through the append and RabbitMQ to the consumer.
/// </summary>
public sealed class TraceContextHeaders : DocumentSessionListenerBase
{
    public const string Header = "traceparent";

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            // Session headers are copied onto events when they are appended, which is before
            // this point; stamp the pending events themselves. An event already stamped keeps its
            // request's trace: a group commit (Issuance) appends the events of several requests.
            foreach (var pending in session.PendingChanges.Streams().SelectMany(stream => stream.Events).Where(e => e.GetHeader(Header) is null))
            {
                pending.SetHeader(Header, activity.Id!);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The trace the event was appended in, or default when it carries none.</summary>
    public static ActivityContext ParentOf(IEvent committed) =>
        committed.GetHeader(Header) is { } value && ActivityContext.TryParse(value.ToString(), null, out var context)
            ? context
            : default;
}
