using System.Globalization;
using Grpc.Core;
using Ledger.Reliability.Tests.Support;
using Ledger.Testing;
using Ledger.Testing.Load;

namespace Ledger.Reliability.Tests;

/// <summary>
/// Faults on the scaled-out ledger of <c>infra/cluster.sh</c> (issue 17, docs/SCALING.md): load
/// through the balancer while one replica of each service is killed in turn, while the RabbitMQ
/// node hosting the queue leaders is down, and across a PostgreSQL failover to the standby. After
/// each: every acknowledged license and revocation is in the ledger, published exactly once to a
/// durable subscriber and in the verified feed; every failed call retried with its idempotency key
/// lands exactly once; the two Revocation replicas serve the same feed bytes; a replayed client
/// token is refused. One cluster for the class; the steps run in order (the failover last).
/// </summary>
[Trait("Category", "Reliability")]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class ClusterFaultTests(LedgerCluster cluster, ITestOutputHelper output) : IClassFixture<LedgerCluster>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(120);

    [OutageFact, Step(1)]
    public async Task Killing_one_replica_of_each_service_in_turn_loses_nothing_and_replays_stay_refused()
    {
        // A token accepted by Issuance replica 1 must be refused by replica 2, and by replica 1 after its restart.
        var replicas = cluster.Address("ISSUANCE_REPLICAS_GRPC").Split(',');
        var token = cluster.Token("issuance");
        var firstUse = await cluster.ReplayAsync(token, [replicas[0], replicas[1]]);
        output.WriteLine($"one token on issuance replica 1 then replica 2: {string.Join(", ", firstUse)}");

        var restarts = new List<Task>();
        var (issued, revoked) = await UnderLoadAsync("kill", 150, async () =>
        {
            // One replica of each service, in turn (alternating which), each started again while the next is killed.
            var victims = LedgerCluster.Services.Select((service, i) => (Service: service, Replica: i % 2 == 0 ? 1 : 2)).ToList();
            foreach (var (service, replica) in victims)
            {
                await cluster.ScriptAsync(TimeSpan.FromSeconds(30), "kill", service, replica.ToString(CultureInfo.InvariantCulture));
                output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} killed {service} replica {replica} (SIGKILL)");
                await Task.Delay(TimeSpan.FromSeconds(3));
                // Its other replica answers alone meanwhile, through the balancer.
                Assert.True(await LedgerCluster.IsHealthyAsync(cluster.Address($"{service.ToUpperInvariant()}_HTTP")),
                    $"{service} did not answer through the balancer with one replica killed.");
                restarts.Add(RestartAsync(service, replica));
            }

            await Task.WhenAll(restarts);
        });

        // Behind the balancer a kill may interrupt no call at all (HAProxy sends new calls to the
        // other replica; only calls under way on the killed one fail): the retries below cover those that did.
        output.WriteLine($"calls interrupted by the kills: {issued.Failed.Count} issues, {revoked.Failed.Count} revocations");
        await AssertNothingLostAsync("kill", issued, revoked);

        // Asserted last, so that the checks above run whatever this one finds.
        var afterRestart = await cluster.ReplayAsync(token, [replicas[0], replicas[1], cluster.Address("ISSUANCE_GRPC")]);
        output.WriteLine($"the same token after issuance replica 1 restarted, on replica 1, replica 2, the balancer: {string.Join(", ", afterRestart)}");
        Assert.Equal(StatusCode.OK, firstUse[0]);
        Assert.True(firstUse[1] == StatusCode.Unauthenticated, $"A token accepted by issuance replica 1 was accepted again by replica 2 ({firstUse[1]}).");
        Assert.True(afterRestart.All(status => status == StatusCode.Unauthenticated),
            $"A token accepted before issuance replica 1 restarted was accepted again: {string.Join(", ", afterRestart)} (replica 1, replica 2, balancer).");
    }

    [OutageFact, Step(2)]
    public async Task Stopping_the_RabbitMQ_node_with_the_queue_leaders_loses_nothing()
    {
        var (node, leaders, queues) = await cluster.NodeWithMostQueueLeadersAsync();
        output.WriteLine($"RabbitMQ node r{node} leads {leaders} of the services' {queues} quorum queues");
        DateTimeOffset down = default, up = default;
        var (issued, revoked) = await UnderLoadAsync("rabbit", 100, async () =>
        {
            await cluster.ScriptAsync(TimeSpan.FromMinutes(2), "rabbit-stop", node.ToString(CultureInfo.InvariantCulture));
            down = DateTimeOffset.UtcNow;
            output.WriteLine($"{down:HH:mm:ss.fff} RabbitMQ node r{node} stopped");
            await Task.Delay(TimeSpan.FromSeconds(10));
            await cluster.ScriptAsync(TimeSpan.FromMinutes(3), "rabbit-start", node.ToString(CultureInfo.InvariantCulture));
            up = DateTimeOffset.UtcNow;
            output.WriteLine($"{up:HH:mm:ss.fff} RabbitMQ node r{node} running again");
        });

        // The broker is not on the request path: calls went on while the node was down.
        var duringOutage = issued.StartedBetween(down, up).Count(o => o.Succeeded);
        output.WriteLine($"licenses issued while r{node} was down: {duringOutage}");
        Assert.True(duringOutage > 0, "No license was issued while the RabbitMQ node was down.");
        await AssertNothingLostAsync("rabbit", issued, revoked);
    }

    // Once, on a machine loaded by other builds, this step found Revocation's outbox silent after the
    // promotion (54 of 100 LicenseRevoked not delivered in 120 s; the feed held all 100). Not seen in
    // the runs since (docs/SCALING.md); should it recur, the failure prints the outbox's progress
    // against the newest event and the replicas' warnings (DiagnoseOutboxAsync).
    [OutageFact, Step(3)]
    public async Task Stopping_the_PostgreSQL_primary_and_promoting_the_standby_loses_nothing()
    {
        DateTimeOffset promoted = default;
        var (issued, revoked) = await UnderLoadAsync("failover", 100, async () =>
        {
            await cluster.ScriptAsync(TimeSpan.FromMinutes(1), "pg-stop-primary");
            output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} PostgreSQL primary stopped (immediate)");
            await Task.Delay(TimeSpan.FromSeconds(3));
            await cluster.ScriptAsync(TimeSpan.FromMinutes(1), "promote");
            promoted = DateTimeOffset.UtcNow;
            output.WriteLine($"{promoted:HH:mm:ss.fff} standby promoted");
            await Task.Delay(TimeSpan.FromSeconds(12));
        });

        // The services followed the promotion by themselves (multi-host connection string): calls after it succeeded.
        Assert.Contains(issued.Operations, o => o.Succeeded && issued.StartedAt + o.StartedAt > promoted);
        await AssertNothingLostAsync("failover", issued, revoked);
    }

    private async Task RestartAsync(string service, int replica)
    {
        await cluster.ScriptAsync(TimeSpan.FromMinutes(4), "start", service, replica.ToString(CultureInfo.InvariantCulture));
        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {service} replica {replica} ready again");
    }

    /// <summary>
    /// Issues licenses (3 workers) and revokes <paramref name="toRevokeCount"/> licenses known to
    /// Revocation (1 worker) through the balancer, runs <paramref name="fault"/> 4 s in, and stops
    /// the load 4 s after it.
    /// </summary>
    private async Task<(LoadRun<Guid> Issued, LoadRun<Guid> Revoked)> UnderLoadAsync(string step, int toRevokeCount, Func<Task> fault)
    {
        var toRevoke = await cluster.IssueKnownLicensesAsync(Customer(step), toRevokeCount, $"{step}-known");
        _toRevoke[step] = toRevoke;
        using var stop = new CancellationTokenSource();
        var bound = TimeSpan.FromMinutes(5);
        var issuing = LoadDriver.RunAsync(
            new LoadPlan(Concurrency: 3, Duration: bound) { PauseAfterFailure = TimeSpan.FromMilliseconds(200) },
            (i, ct) => cluster.IssueAsync(Customer(step), $"{step}-issue-{i}", ct),
            stop.Token);
        var revoking = LoadDriver.RunAsync(
            new LoadPlan(Concurrency: 1, Operations: toRevoke.Count, Duration: bound)
            {
                Interval = TimeSpan.FromMilliseconds(150), PauseAfterFailure = TimeSpan.FromMilliseconds(200),
            },
            (i, ct) => cluster.RevokeAsync(toRevoke[i], ct),
            stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(4));
        try
        {
            await fault();
        }
        finally
        {
            await Task.Delay(TimeSpan.FromSeconds(4));
            await stop.CancelAsync();
        }

        var issued = await issuing;
        var revoked = await revoking;
        // Every revocation asked for, whatever a later assertion of this step finds: the feed is shared by the steps.
        cluster.Revoked.UnionWith(revoked.Operations.Select(o => toRevoke[o.Index]));
        output.WriteLine(issued.Summary("issue"));
        output.WriteLine(revoked.Summary("revoke"));
        return (issued, revoked);
    }

    private readonly Dictionary<string, IReadOnlyList<Guid>> _toRevoke = [];

    private static string Customer(string step) => $"cluster-{step}";

    private async Task AssertNothingLostAsync(string step, LoadRun<Guid> issued, LoadRun<Guid> revoked)
    {
        var customer = Customer(step);
        var toRevoke = _toRevoke[step];

        // Every acknowledged license is in the ledger.
        var inLedger = await cluster.LedgerLicensesAsync(customer);
        var acknowledged = issued.Succeeded.Select(o => o.Result).ToHashSet();
        Assert.DoesNotContain(acknowledged, id => !inLedger.ContainsKey(id));

        // A failed issue, retried with its idempotency key (through the balancer: any replica), lands exactly once.
        var retried = new List<Guid>();
        foreach (var failed in issued.Failed)
        {
            retried.Add(await cluster.IssueAsync(customer, $"{step}-issue-{failed.Index}"));
        }

        inLedger = await cluster.LedgerLicensesAsync(customer);
        Assert.Equal(toRevoke.Count + issued.Operations.Count, inLedger.Count);
        Assert.Equal(issued.Operations.Count, acknowledged.Concat(retried).Distinct().Count());

        // Every license in the ledger was published, once.
        int licenses, deliveries, redelivered;
        try
        {
            (licenses, deliveries, redelivered) = await cluster.Subscriber.WaitUntilPublishedOnceAsync("LicenseIssued", [.. inLedger.Keys], Settle);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{await cluster.DiagnoseOutboxAsync("issuance")}");
        }

        // Every acknowledged revocation, and every failed one retried, is revoked once, in the verified feed and published once.
        foreach (var failed in revoked.Failed)
        {
            await cluster.RevokeAsync(toRevoke[failed.Index]);
        }

        var asked = revoked.Operations.Select(o => toRevoke[o.Index]).ToHashSet();
        var feed = await Eventually.Get(async () =>
        {
            var state = await cluster.VerifiedFeedAsync();
            return state.Revoked.Count >= cluster.Revoked.Count ? state : null;
        }, Settle, "the feed to hold every revocation");
        Assert.True(cluster.Revoked.SetEquals(feed.Revoked), $"The feed holds {feed.Revoked.Count} revocations; {cluster.Revoked.Count} were asked for.");
        Assert.Equal(cluster.Revoked.Count, feed.Version);
        int revocations, revocationDeliveries, revocationsRedelivered;
        try
        {
            (revocations, revocationDeliveries, revocationsRedelivered) = await cluster.Subscriber.WaitUntilPublishedOnceAsync("LicenseRevoked", asked, Settle);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{await cluster.DiagnoseOutboxAsync("revocation")}");
        }

        // Both Revocation replicas serve the same bytes (and ETag) for the same version.
        var copies = await cluster.FeedFromEachReplicaAsync(TimeSpan.FromSeconds(30));
        Assert.True(copies[0].Body.AsSpan().SequenceEqual(copies[1].Body),
            $"The Revocation replicas serve different feed bytes for version {LedgerCluster.FeedVersion(copies[0].Body)} (ETags {copies[0].ETag} and {copies[1].ETag}).");
        Assert.Equal(copies[0].ETag, copies[1].ETag);

        output.WriteLine(
            $"found afterwards: {inLedger.Count} licenses in the ledger ({acknowledged.Count} acknowledged, {retried.Count} failed calls retried, " +
            $"{toRevoke.Count} issued before the load); {licenses} LicenseIssued published once each ({deliveries} deliveries, {redelivered} redelivered); " +
            $"{asked.Count} revocations asked ({revoked.Failed.Count} retried), {feed.Revoked.Count} in the verified feed (version {feed.Version}), " +
            $"{revocations} LicenseRevoked published once each ({revocationDeliveries} deliveries, {revocationsRedelivered} redelivered); " +
            $"both Revocation replicas serve {copies[0].Body.Length} identical bytes at version {LedgerCluster.FeedVersion(copies[0].Body)}");
    }
}
