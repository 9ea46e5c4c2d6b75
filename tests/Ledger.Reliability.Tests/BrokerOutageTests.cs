using Ledger.Reliability.Tests.Support;
using Ledger.Testing.Load;

namespace Ledger.Reliability.Tests;

/// <summary>
/// RabbitMQ stopped for seconds while licenses are issued and revoked: the services keep accepting
/// writes (they are recorded in PostgreSQL), and every event reaches the subscriber once the
/// broker is back.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class BrokerOutageTests(LedgerUnderLoad ledger, ITestOutputHelper output) : IClassFixture<LedgerUnderLoad>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(120);

    [OutageFact]
    public async Task Writes_continue_while_the_broker_is_down_and_every_event_arrives_after()
    {
        var toRevoke = await ledger.IssueKnownLicensesAsync(200, "broker-known");
        var duration = TimeSpan.FromSeconds(22);
        var issuing = LoadDriver.RunAsync(
            new LoadPlan(Concurrency: 4, Duration: duration) { PauseAfterFailure = TimeSpan.FromMilliseconds(200) },
            (i, ct) => ledger.IssueAsync($"broker-issue-{i}", ct));
        var revoking = LoadDriver.RunAsync(
            new LoadPlan(Concurrency: 1, Operations: toRevoke.Count, Duration: duration) { Interval = TimeSpan.FromMilliseconds(100) },
            (i, ct) => ledger.RevokeAsync(toRevoke[i], ct));

        await Task.Delay(TimeSpan.FromSeconds(5));
        var (down, up) = await Infrastructure.OutageAsync(Infrastructure.RabbitMq, Outage, output.WriteLine);

        var issued = await issuing;
        var revoked = await revoking;
        output.WriteLine(issued.Summary("issue"));
        output.WriteLine(revoked.Summary("revoke"));

        // Accepting writes throughout: nothing failed, and calls made while the broker was down succeeded.
        Assert.Empty(issued.Failed.Select(f => $"{f.Index}: {f.Failure!.Message}"));
        Assert.Empty(revoked.Failed.Select(f => $"{f.Index}: {f.Failure!.Message}"));
        var issuedDuringOutage = issued.StartedBetween(down, up).Count(o => o.Succeeded);
        var revokedDuringOutage = revoked.StartedBetween(down, up).Count(o => o.Succeeded);
        Assert.True(issuedDuringOutage > 0, "No license was issued while the broker was down.");
        Assert.True(revokedDuringOutage > 0, "No license was revoked while the broker was down.");

        var licenses = issued.Succeeded.Select(o => o.Result).Concat(toRevoke).ToHashSet();
        var revocations = revoked.Succeeded.Select(o => o.Result).ToHashSet();
        var issuedReceived = await ledger.WaitUntilPublishedAsync("LicenseIssued", licenses, Settle);
        var revokedReceived = await ledger.WaitUntilPublishedAsync("LicenseRevoked", revocations, Settle);
        var feed = await ledger.VerifiedFeedAsync();
        Assert.True(revocations.IsSubsetOf(feed.Revoked), "An acknowledged revocation is missing from the feed.");

        output.WriteLine(
            $"during the outage: {issuedDuringOutage} licenses issued, {revokedDuringOutage} revoked; found afterwards: " +
            $"{issuedReceived} LicenseIssued and {revokedReceived} LicenseRevoked received, {feed.Revoked.Count} revocations in the feed");
    }
}
