using System.Collections.Concurrent;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;
using Ledger.ServiceDefaults.Tests.EventStore;
using Ledger.Testing;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ledger.ServiceDefaults.Tests.Messaging;

/// <summary>
/// An event takes its sequence inside the appending transaction, so it can commit after an event
/// with a higher sequence. The outbox's position, and the <c>published_through</c> that
/// <c>ListPublishedEvents</c> and Revocation's catch-ups trust, must never pass it: the daemon's
/// high-water mark waits at the gap while the writer holding it is alive, however long that is past
/// the stale-sequence threshold (docs/ARCHITECTURE.md, "Events between services").
/// </summary>
public sealed class LateCommitTests(IsolatedInfrastructure infrastructure) : IClassFixture<IsolatedInfrastructure>
{
    private const string Service = "latecommit";

    [Fact]
    public async Task an_append_that_commits_after_a_later_one_is_published_and_listed_in_its_place()
    {
        var received = new ConcurrentDictionary<Guid, ProbeForwarded>();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(infrastructure.Settings);
        builder.Configuration.AddInMemoryCollection(AsyncDaemonTests.EphemeralPorts);
        builder.Services.AddSingleton(received);
        builder.AddLedgerEventStore(Service, (options, _) => options.Events.AddEventType<ProbeRecorded>())
            .PublishIntegrationEvents<ProbeMap>();
        builder.AddLedgerMessaging(Service, bus => bus.AddConsumer<ProbeForwardedConsumer>());
        await using var app = builder.Build();
        await app.StartAsync();
        await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var published = app.Services.GetRequiredService<PublishedEvents>();
        var staleThreshold = ((StoreOptions)store.Options).Projections.StaleSequenceThreshold;

        // The daemon runs and has published everything committed so far.
        var first = await AppendAsync(store, "first");
        await Eventually.True(() => Task.FromResult(received.ContainsKey(first)), TimeSpan.FromSeconds(60), "the first event to be published");

        // A writer appends and holds its transaction open; another appends after it and commits.
        var connectionString = EventStoreExtensions.ServiceDatabase(infrastructure.Settings[$"ConnectionStrings:{EventStoreExtensions.ConnectionStringName}"]!, Service);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var lateStream = Guid.CreateVersion7();
        await using (var held = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction)))
        {
            held.Events.StartStream(lateStream, new ProbeRecorded(lateStream, "late"));
            await held.SaveChangesAsync();
        }

        var lateSequence = await SequenceOfStreamAsync(connection, transaction, lateStream);
        var early = await AppendAsync(store, "early");
        var earlySequence = await SequenceOfEventAsync(store, early);
        Assert.True(lateSequence < earlySequence, $"the held event ({lateSequence}) must have the lower sequence ({earlySequence})");

        // Well past the stale threshold, nothing at or after the held sequence has gone out or is listed.
        await Task.Delay(staleThreshold * 2 + TimeSpan.FromSeconds(3));
        Assert.False(received.ContainsKey(early), "the event after the open transaction's was published before it");
        var waiting = await published.ListAsync(0, PublishedEvents.MaxEvents, CancellationToken.None);
        Assert.True(waiting.PublishedThrough < lateSequence, $"published_through {waiting.PublishedThrough} passed the open transaction's sequence {lateSequence}");
        Assert.DoesNotContain(waiting.Events, e => e.Sequence >= lateSequence);

        // Once it commits, both go out, and the list has them in sequence order, the late one in its place.
        await transaction.CommitAsync();
        var lateEvent = await StreamEventIdAsync(store, lateStream);
        await Eventually.True(() => Task.FromResult(received.ContainsKey(lateEvent) && received.ContainsKey(early)), TimeSpan.FromSeconds(60), "both events to be published");
        var listed = await Eventually.Get(async () =>
        {
            var page = await published.ListAsync(0, PublishedEvents.MaxEvents, CancellationToken.None);
            return page.PublishedThrough >= earlySequence ? page : null;
        }, TimeSpan.FromSeconds(60), "published_through to reach the later event");
        Assert.Equal([first, lateEvent, early], listed.Events.Select(e => e.MessageId));
        Assert.Equal(lateSequence, listed.Events[1].Sequence);
        Assert.Equal(lateSequence, listed.Events[2].PreviousSequence);
        await app.StopAsync();
    }

    /// <summary>Appends one probe event on a stream of its own and commits; returns the event's id.</summary>
    private static async Task<Guid> AppendAsync(IDocumentStore store, string note)
    {
        var stream = Guid.CreateVersion7();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream(stream, new ProbeRecorded(stream, note));
            await session.SaveChangesAsync();
        }

        return await StreamEventIdAsync(store, stream);
    }

    private static async Task<Guid> StreamEventIdAsync(IDocumentStore store, Guid stream)
    {
        await using var query = store.QuerySession();
        return Assert.Single(await query.Events.FetchStreamAsync(stream)).Id;
    }

    private static async Task<long> SequenceOfEventAsync(IDocumentStore store, Guid eventId)
    {
        await using var query = store.QuerySession();
        return (await query.Events.QueryAllRawEvents().Where(e => e.Id == eventId).SingleAsync()).Sequence;
    }

    /// <summary>The sequence of a one-event stream whose append is not committed yet, read inside its transaction.</summary>
    private static async Task<long> SequenceOfStreamAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid stream)
    {
        await using var command = new NpgsqlCommand($"select seq_id from {Service}.mt_events where stream_id = @stream", connection, transaction);
        command.Parameters.AddWithValue("stream", stream);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
