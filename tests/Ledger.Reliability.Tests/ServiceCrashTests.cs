using Ledger.Reliability.Tests.Support;
using Ledger.Testing.Load;
using Ledger.Testing.Processes;

namespace Ledger.Reliability.Tests;

/// <summary>
/// kill -9 of Issuance and then of Revocation while licenses are issued and revoked: every call
/// that succeeded is in the ledger, in the feed and on RabbitMQ, and a call that failed left either
/// nothing or the whole record (its retry with the same idempotency key completes it exactly once).
/// </summary>
[Trait("Category", "Reliability")]
public sealed class ServiceCrashTests(LedgerUnderLoad ledger, ITestOutputHelper output) : IClassFixture<LedgerUnderLoad>
{
    // The load runs until both services are back (stopped then), bounded by this.
    private static readonly TimeSpan LoadDuration = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Killing_services_under_load_loses_no_acknowledged_write_and_leaves_no_partial_record()
    {
        var toRevoke = await ledger.IssueKnownLicensesAsync(600, "crash-known");

        using var stop = new CancellationTokenSource();
        var issuing = LoadDriver.RunAsync(
            new LoadPlan(Concurrency: 4, Duration: LoadDuration) { PauseAfterFailure = TimeSpan.FromMilliseconds(200) },
            (i, ct) => ledger.IssueAsync($"crash-issue-{i}", ct),
            stop.Token);
        var revoking = LoadDriver.RunAsync(
            new LoadPlan(Concurrency: 2, Operations: toRevoke.Count, Duration: LoadDuration)
            {
                Interval = TimeSpan.FromMilliseconds(250), PauseAfterFailure = TimeSpan.FromMilliseconds(200),
            },
            (i, ct) => ledger.RevokeAsync(toRevoke[i], ct),
            stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(6));
        await CrashAndRestartAsync(ledger.Issuance);
        await Task.Delay(TimeSpan.FromSeconds(4));
        await CrashAndRestartAsync(ledger.Revocation);
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();

        var issued = await issuing;
        var revoked = await revoking;
        output.WriteLine(issued.Summary("issue"));
        output.WriteLine(revoked.Summary("revoke"));
        Assert.True(issued.Failed.Count > 0 && revoked.Failed.Count > 0,
            "The kills should have interrupted both loads; without failures this test proves nothing.");

        // Every acknowledged license is in the ledger.
        var inLedger = await ledger.LedgerLicensesAsync();
        var acknowledged = issued.Succeeded.Select(o => o.Result).ToHashSet();
        Assert.DoesNotContain(acknowledged, id => !inLedger.ContainsKey(id));

        // A failed issue left nothing or everything: its retry completes it, never a second license.
        var retried = new List<Guid>();
        foreach (var failed in issued.Failed)
        {
            retried.Add(await ledger.IssueAsync($"crash-issue-{failed.Index}"));
        }

        inLedger = await ledger.LedgerLicensesAsync();
        Assert.Equal(toRevoke.Count + issued.Operations.Count, inLedger.Count);
        Assert.Equal(issued.Operations.Count, acknowledged.Concat(retried).Distinct().Count());

        // Every license in the ledger was published, whether its call succeeded or was retried.
        var published = await ledger.WaitUntilPublishedAsync("LicenseIssued", [.. inLedger.Keys], Settle);

        // Every acknowledged revocation is in the signed feed and was published; a failed one,
        // retried, is revoked once; nothing that was never asked for is revoked.
        foreach (var failed in revoked.Failed)
        {
            await ledger.RevokeAsync(toRevoke[failed.Index]);
        }

        var asked = revoked.Operations.Select(o => toRevoke[o.Index]).ToHashSet();
        var feed = await Testing.Eventually.Get(async () =>
        {
            var state = await ledger.VerifiedFeedAsync();
            return state.Revoked.Count >= asked.Count ? state : null;
        }, Settle, "the feed to hold every revocation");
        Assert.True(asked.SetEquals(feed.Revoked), $"The feed holds {feed.Revoked.Count} revocations; {asked.Count} were asked for.");
        Assert.Equal(asked.Count, feed.Version);
        var revocationsPublished = await ledger.WaitUntilPublishedAsync("LicenseRevoked", asked, Settle);

        output.WriteLine(
            $"found afterwards: {inLedger.Count} licenses in the ledger ({acknowledged.Count} acknowledged, {retried.Count} failed calls retried, " +
            $"{toRevoke.Count} issued before the load), {published} LicenseIssued received; {feed.Revoked.Count} revocations in the feed " +
            $"(version {feed.Version}), {revocationsPublished} LicenseRevoked received; " +
            $"Issuance started {ledger.Issuance.Starts} times, Revocation {ledger.Revocation.Starts}");
    }

    private async Task CrashAndRestartAsync(ServiceProcess service)
    {
        await service.KillAsync();
        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} killed {service.Name} (SIGKILL)");
        await Task.Delay(TimeSpan.FromSeconds(1));
        service.Restart();
        await service.WaitUntilReadyAsync(LedgerProcesses.StartTimeout);
        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {service.Name} ready again");
    }
}
