using System.Collections.Concurrent;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;
using Ledger.Testing;
using Marten;
using MassTransit;
using Npgsql;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MartenCoordinator = Marten.Events.Daemon.Coordination.IProjectionCoordinator;

namespace Ledger.ServiceDefaults.Tests.EventStore;

/// <summary>
/// What docs/SCALING.md says about the async daemon with several replicas of a service: in
/// HotCold mode each projection and each subscription (the outbox) is a shard with an advisory
/// lock of its own, held by one replica at a time; when that replica stops, another takes the
/// shard over and carries on from where it stopped. Nothing balances shards: a replica takes
/// every free lock it finds, so the first one up usually runs them all.
/// </summary>
public sealed class DaemonDistributionTests(IsolatedInfrastructure infrastructure) : IClassFixture<IsolatedInfrastructure>
{
    [Fact]
    public async Task every_projection_and_subscription_is_a_shard_with_its_own_lock()
    {
        await using var replica = await StartReplicaAsync(new ConcurrentDictionary<Guid, ProbeForwarded>());

        var coordinator = Assert.IsAssignableFrom<ProjectionCoordinatorBase>(replica.Services.GetRequiredService<MartenCoordinator>());
        var distributor = Assert.IsType<SingleTenantProjectionDistributor>(coordinator.Distributor);
        var sets = await distributor.BuildDistributionAsync();

        Assert.All(sets, set => Assert.Single(set.Names));
        Assert.Equal(sets.Count, sets.Select(s => s.LockId).Distinct().Count());
        Assert.Contains(sets, s => s.Names[0].Name == nameof(ProbeTally));
        Assert.Contains(sets, s => s.Names[0].Name != nameof(ProbeTally));
        await replica.StopAsync();
    }

    [Fact]
    public async Task when_the_replica_running_the_daemon_stops_another_replica_takes_over_projection_and_outbox()
    {
        var received = new ConcurrentDictionary<Guid, ProbeForwarded>();
        var first = await StartReplicaAsync(received);
        var streamId = Guid.CreateVersion7();
        await AppendAsync(first, streamId, "one");
        await WaitForTallyAsync(first, streamId, 1);
        await using var second = await StartReplicaAsync(received);

        await first.StopAsync();
        await first.DisposeAsync();
        await AppendAsync(second, streamId, "two");

        var tally = await WaitForTallyAsync(second, streamId, 2);
        Assert.Equal(["one", "two"], tally.Notes);
        await Eventually.True(() => Task.FromResult(received.Values.Count(m => m.ProbeId == streamId) >= 2), TimeSpan.FromSeconds(60),
            "the second replica's outbox to forward the event appended after the first stopped");
        Assert.Equal(["one", "two"], received.Values.Where(m => m.ProbeId == streamId).Select(m => m.Note).Order(StringComparer.Ordinal));
        await second.StopAsync();
    }

    [Fact]
    public async Task while_another_replica_holds_the_projection_this_one_still_runs_the_outbox_then_takes_the_projection_over()
    {
        int projectionLock;
        await using (var earlier = await StartReplicaAsync(new ConcurrentDictionary<Guid, ProbeForwarded>()))
        {
            projectionLock = (await DistributorOf(earlier).BuildDistributionAsync()).Single(s => s.Names[0].Name == nameof(ProbeTally)).LockId;
            await earlier.StopAsync();
        }

        // Stands in for another replica that holds the projection's shard. Unpooled, so closing it
        // ends the session, and its lock, as a replica's exit would.
        var unpooled = new NpgsqlConnectionStringBuilder(infrastructure.ServiceDatabase("replicated")) { Pooling = false };
        await using var otherReplica = new NpgsqlConnection(unpooled.ConnectionString);
        await otherReplica.OpenAsync();
        await using (var take = new NpgsqlCommand("select pg_advisory_lock(@id)", otherReplica))
        {
            take.Parameters.AddWithValue("id", (long)projectionLock);
            await take.ExecuteNonQueryAsync();
        }

        var received = new ConcurrentDictionary<Guid, ProbeForwarded>();
        await using var replica = await StartReplicaAsync(received);
        var streamId = Guid.CreateVersion7();
        await AppendAsync(replica, streamId, "split");

        await Eventually.True(() => Task.FromResult(received.Values.Any(m => m.ProbeId == streamId)), TimeSpan.FromSeconds(60), "this replica's outbox to forward the event");
        var sets = await DistributorOf(replica).BuildDistributionAsync();
        Assert.False(DistributorOf(replica).HasLock(sets.Single(s => s.LockId == projectionLock)));
        Assert.True(DistributorOf(replica).HasLock(sets.Single(s => s.LockId != projectionLock)));
        await using (var query = replica.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            Assert.Null(await query.LoadAsync<ProbeTally>(streamId));
        }

        await otherReplica.CloseAsync();

        var tally = await WaitForTallyAsync(replica, streamId, 1);
        Assert.Equal(["split"], tally.Notes);
        await replica.StopAsync();
    }

    private static IProjectionDistributor DistributorOf(WebApplication replica) =>
        ((ProjectionCoordinatorBase)replica.Services.GetRequiredService<MartenCoordinator>()).Distributor!;

    private async Task<WebApplication> StartReplicaAsync(ConcurrentDictionary<Guid, ProbeForwarded> received)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(infrastructure.Settings);
        builder.Configuration.AddInMemoryCollection(AsyncDaemonTests.EphemeralPorts);
        builder.Services.AddSingleton(received);
        builder.AddLedgerEventStore("replicated", (options, _) =>
            {
                options.Events.AddEventType<ProbeRecorded>();
                options.Projections.Add<ProbeTallyProjection>(ProjectionLifecycle.Async);
            })
            .PublishIntegrationEvents<ProbeMap>();
        builder.AddLedgerMessaging("replicated", bus => bus.AddConsumer<ProbeForwardedConsumer>());
        var app = builder.Build();
        await app.StartAsync();
        // The bus starts in the background; one stopped before it started would start anyway,
        // with a disposed container, and fault the messages it took from the shared queue.
        Assert.Equal(BusHealthStatus.Healthy, await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)));
        return app;
    }

    private static async Task AppendAsync(WebApplication replica, Guid streamId, string note)
    {
        await using var session = replica.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.Append(streamId, new ProbeRecorded(streamId, note));
        await session.SaveChangesAsync();
    }

    private static Task<ProbeTally> WaitForTallyAsync(WebApplication replica, Guid streamId, int count) =>
        Eventually.Get(async () =>
        {
            await using var query = replica.Services.GetRequiredService<IDocumentStore>().QuerySession();
            var tally = await query.LoadAsync<ProbeTally>(streamId);
            return tally is not null && tally.Count >= count ? tally : null;
        }, TimeSpan.FromSeconds(60), $"the projection to count {count} events");
}
