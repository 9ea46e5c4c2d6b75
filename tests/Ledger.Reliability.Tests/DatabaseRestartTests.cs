using Grpc.Core;
using Ledger.Reliability.Tests.Support;
using Ledger.Testing.Load;

namespace Ledger.Reliability.Tests;

/// <summary>
/// PostgreSQL restarted while licenses are issued: calls during the outage fail fast with
/// Unavailable and a message that says so; afterwards the same processes recover by themselves
/// (calls succeed, the outbox publishes, revocations reach the feed).
/// </summary>
[Trait("Category", "Reliability")]
public sealed class DatabaseRestartTests(LedgerUnderLoad ledger, ITestOutputHelper output) : IClassFixture<LedgerUnderLoad>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(120);

    [OutageFact]
    public async Task Calls_fail_fast_with_unavailable_during_the_outage_and_the_services_recover_without_a_restart()
    {
        var toRevoke = await ledger.IssueKnownLicensesAsync(20, "database-known");
        using var stop = new CancellationTokenSource();
        var issuing = LoadDriver.RunAsync(
            new LoadPlan(Concurrency: 4, Duration: TimeSpan.FromMinutes(3)) { PauseAfterFailure = TimeSpan.FromMilliseconds(100) },
            (i, ct) => ledger.IssueAsync($"database-issue-{i}", ct),
            stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(5));
        var (down, up) = await Infrastructure.OutageAsync(Infrastructure.Postgres, Outage, output.WriteLine);
        await Task.Delay(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        var issued = await issuing;
        output.WriteLine(issued.Summary("issue"));

        // During the outage: failures, each Unavailable with a message naming what is unreachable, none waiting out the client's timeout.
        var duringOutage = issued.StartedBetween(down, up);
        var failed = duringOutage.Where(o => !o.Succeeded).ToList();
        Assert.NotEmpty(failed);
        foreach (var failure in issued.Failed)
        {
            var rpc = Assert.IsType<RpcException>(failure.Failure);
            Assert.True(rpc.StatusCode == StatusCode.Unavailable,
                $"Call {failure.Index} failed with {rpc.StatusCode} ({rpc.Status.Detail}), not Unavailable. Issuance's log:\n{ledger.Issuance.Failures("Ledger")}");
            Assert.Contains("unreachable", rpc.Status.Detail, StringComparison.OrdinalIgnoreCase);
        }

        var slowest = LoadRun<Guid>.Percentile([.. issued.Failed.Select(f => f.Latency)], 100);
        output.WriteLine(
            $"during the outage: {duringOutage.Count} calls, {failed.Count} failed with Unavailable; slowest failure {slowest.TotalMilliseconds:F0} ms, " +
            $"p50 {LoadRun<Guid>.Percentile([.. failed.Select(f => f.Latency)], 50).TotalMilliseconds:F0} ms; messages: " +
            string.Join(" | ", issued.Failed.Select(f => ((RpcException)f.Failure!).Status.Detail).Distinct()));

        // Recovered without a restart: calls after the outage succeeded, on the same processes.
        Assert.Contains(issued.Operations, o => o.Succeeded && issued.StartedAt + o.StartedAt > up);
        Assert.All([ledger.Notary, ledger.Issuance, ledger.Revocation, ledger.Attestation], s => Assert.Equal(1, s.Starts));

        // Nothing acknowledged was lost and nothing failed left a partial record.
        var retried = new List<Guid>();
        foreach (var failure in issued.Failed)
        {
            retried.Add(await ledger.IssueAsync($"database-issue-{failure.Index}"));
        }

        var inLedger = await ledger.LedgerLicensesAsync();
        Assert.Equal(toRevoke.Count + issued.Operations.Count, inLedger.Count);
        Assert.DoesNotContain(issued.Succeeded, o => !inLedger.ContainsKey(o.Result));
        var published = await ledger.WaitUntilPublishedAsync("LicenseIssued", [.. inLedger.Keys], Settle);

        // Revocation recovered too: a revocation now reaches the verified feed and RabbitMQ.
        foreach (var id in toRevoke)
        {
            await ledger.RevokeAsync(id);
        }

        var feed = await Testing.Eventually.Get(async () =>
        {
            var state = await ledger.VerifiedFeedAsync();
            return state.Revoked.Count == toRevoke.Count ? state : null;
        }, Settle, "the feed to hold the revocations made after the outage");
        var revokedReceived = await ledger.WaitUntilPublishedAsync("LicenseRevoked", toRevoke, Settle);

        output.WriteLine(
            $"found afterwards: {inLedger.Count} licenses in the ledger ({issued.Succeeded.Count} acknowledged, {retried.Count} failed calls retried), " +
            $"{published} LicenseIssued received; {feed.Revoked.Count} revocations in the feed, {revokedReceived} LicenseRevoked received");
    }
}
