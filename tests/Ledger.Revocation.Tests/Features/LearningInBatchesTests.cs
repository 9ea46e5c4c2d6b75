using Ledger.Crypto;
using Ledger.Revocation.Features.LearningLicenses;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using V1 = Ledger.IntegrationEvents.V1;

namespace Ledger.Revocation.Tests.Features;

/// <summary>
/// Revocation's group-committed learning, driven directly (the batches are then the test's, not the broker's timing),
/// on a real Revocation and database. Sequences start at the horizon the test finds, so the tests run in any order.
/// </summary>
public sealed class LearningInBatchesTests(LedgerWithRevocationAlone ledger) : IClassFixture<LedgerWithRevocationAlone>
{
    private LicenseLearning Learning => ledger.Revocation.Services.GetRequiredService<LicenseLearning>();

    [Fact]
    public async Task a_batch_applies_in_sequence_order_leaves_events_after_a_gap_waiting_and_ignores_redeliveries()
    {
        var b = await HorizonAsync();
        var id = UuidV7.NewId();
        var later = UuidV7.NewId();
        var at = DateTimeOffset.UtcNow.AddSeconds(-30);
        var issued = new V1.LicenseIssued(id, "ledger", "cust", "sub", "flux-enterprise", null, "flux-operator", ["sso"], at, at.AddDays(30), at, "kid-1");
        var renewed = new V1.LicenseRenewed(id, "ledger", at.AddDays(30), at.AddDays(400), 2, at.AddSeconds(10), "kid-2");
        var changed = new V1.LicenseCapabilitiesChanged(id, "ledger", ["sso", "audit"], 3, at.AddSeconds(20), "kid-2");
        var issuedLater = new V1.LicenseIssued(later, "ledger", "cust", "sub", "flux-enterprise", null, "flux-operator", ["sso"], at, at.AddDays(30), at.AddSeconds(30));

        // One batch, newest first, the first event twice: the renewal (b+20) has not arrived, so b+30 and b+50 wait.
        await Learning.LearnManyAsync(
        [
            new(changed, b + 30, b + 20), new(issuedLater, b + 50, b + 40), new(issued, b + 10, b), new(issued, b + 10, b),
        ], CancellationToken.None);
        Assert.Equal(b + 10, await HorizonAsync());
        Assert.Equal(1, (await ledger.KnownAsync(id))!.Revision);
        Assert.Null(await ledger.KnownAsync(later));

        // The next batch closes the gap: b+20, then the waiting b+30, then b+40 from the batch, then the waiting b+50.
        await Learning.LearnManyAsync([new(new V1.IssuanceHeartbeat("ledger", at.AddSeconds(25)), b + 40, b + 30), new(renewed, b + 20, b + 10)], CancellationToken.None);
        Assert.Equal(b + 50, await HorizonAsync());
        var known = (await ledger.KnownAsync(id))!;
        Assert.Equal(3, known.Revision);
        Assert.Equal(at.AddDays(400), known.LatestExpiresAt);
        Assert.Equal(["sso", "audit"], known.Capabilities!);
        Assert.Equal(["kid-1", "kid-2"], known.SigningKeyIds!);
        // An event published before the kid was carried: the license is known, its signing key unknown.
        Assert.Null((await ledger.KnownAsync(later))!.SigningKeyIds);

        // Every one of them again, in one batch: nothing changes.
        await Learning.LearnManyAsync(
        [
            new(issued, b + 10, b), new(renewed, b + 20, b + 10), new(changed, b + 30, b + 20), new(issuedLater, b + 50, b + 40),
        ], CancellationToken.None);
        Assert.Equal(b + 50, await HorizonAsync());
        Assert.Equal(known.Version, (await ledger.KnownAsync(id))!.Version);
    }

    [Fact]
    public async Task an_event_that_cannot_be_applied_fails_alone_and_the_events_learned_with_it_are_kept()
    {
        var b = await HorizonAsync();
        var first = UuidV7.NewId();
        var second = UuidV7.NewId();
        var at = DateTimeOffset.UtcNow.AddSeconds(-30);
        V1.LicenseIssued Issued(Guid id) => new(id, "ledger", "cust", "sub", "flux-enterprise", null, "flux-operator", ["sso"], at, at.AddDays(30), at);

        // Started together, so they share a commit when the learner is busy; the outcome is the same either way.
        var good = Learning.LearnAsync(Issued(first), b + 1, b, CancellationToken.None);
        var bad = Learning.LearnAsync("not an Issuance event", b + 2, b + 1, CancellationToken.None);
        var afterBad = Learning.LearnAsync(Issued(second), b + 3, b + 2, CancellationToken.None);

        await good;
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        await afterBad;
        Assert.Contains("does not learn from String", failure.Message, StringComparison.Ordinal);
        Assert.NotNull(await ledger.KnownAsync(first));
        // The event after the failed one waits for its predecessor rather than being lost or applied out of order.
        Assert.Equal(b + 1, await HorizonAsync());
        Assert.Null(await ledger.KnownAsync(second));

        // Its predecessor learned (a retry, or the catch-up from Issuance) releases it.
        await Learning.LearnAsync(new V1.IssuanceHeartbeat("ledger", at), b + 2, b + 1, CancellationToken.None);
        Assert.Equal(b + 3, await HorizonAsync());
        Assert.NotNull(await ledger.KnownAsync(second));
    }

    private async Task<long> HorizonAsync() => (await ledger.HorizonAsync())?.Sequence ?? 0;
}
