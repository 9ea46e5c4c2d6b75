using Ledger.Verification.Tests.Support;

namespace Ledger.Verification.Tests.Licenses;

/// <summary>The verifier's rules for revision floors (entry kind <c>superseded</c>), with hand-made feeds.</summary>
public sealed class SupersededKeyTests : IDisposable
{
    private static readonly DateTimeOffset Now = LedgerWithSigningKeys.Now;
    private readonly LedgerWithSigningKeys ledger = new();
    private readonly LicenseSpec license = LedgerWithSigningKeys.NewLicense();

    public void Dispose() => ledger.Dispose();

    private LicenseVerdict Verify(int revision, string feed, FeedState? previous = null) =>
        LicenseVerifier.Verify(ledger.Sign(license with { Revision = revision }), ledger.Jwks, ledger.Expectations, Now, feed, previous);

    private string Full(DateTimeOffset? prunedBefore = null) => ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5), prunedBefore: prunedBefore));

    [Fact]
    public void a_key_below_the_floor_is_superseded_and_keys_at_or_above_it_are_valid()
    {
        ledger.History.RevokeNew();
        ledger.History.Supersede(license.Id, 3);
        var feed = Full();

        var older = Verify(2, feed);
        Assert.Equal(VerificationStatus.Superseded, older.Status);
        Assert.Contains("revision 2", older.Detail);
        Assert.Contains("revision 3 or later", older.Detail);
        Assert.Equal(VerificationStatus.Superseded, Verify(1, feed).Status);
        Assert.Equal(VerificationStatus.Valid, Verify(3, feed).Status);
        Assert.Equal(VerificationStatus.Valid, Verify(4, feed).Status);
        Assert.DoesNotContain(license.Id, older.Feed!.Revoked);
        Assert.Equal(3, older.Feed.Superseded[license.Id].Revision);
    }

    [Fact]
    public void a_key_without_rev_counts_as_revision_0_and_is_superseded_by_any_floor()
    {
        ledger.History.Supersede(license.Id, 2);
        var claims = license.ToJson();
        claims.Remove("rev");

        var verdict = LicenseVerifier.Verify(ledger.SignLicense(claims.ToJsonString()), ledger.Jwks, ledger.Expectations, Now, Full(), null);

        Assert.Equal(VerificationStatus.Superseded, verdict.Status);
    }

    [Fact]
    public void revoked_wins_over_superseded_for_every_revision()
    {
        ledger.History.Supersede(license.Id, 3);
        ledger.History.Revoke(license.Id);
        var feed = Full();

        Assert.Equal(VerificationStatus.Revoked, Verify(2, feed).Status);
        Assert.Equal(VerificationStatus.Revoked, Verify(3, feed).Status);
    }

    [Fact]
    public void the_highest_floor_holds_and_a_delta_raises_it()
    {
        ledger.History.Supersede(license.Id, 2);
        var (_, state) = ledger.AcceptedFullFeed();
        ledger.History.Supersede(license.Id, 4);
        var delta = ledger.SignFeed(ledger.History.DeltaSince(state.Version, Now.AddMinutes(-1)));

        var verdict = Verify(3, delta, state);

        Assert.Equal(VerificationStatus.Superseded, verdict.Status);
        Assert.Equal(4, verdict.Feed!.Superseded[license.Id].Revision);
        Assert.Equal(VerificationStatus.Valid, Verify(4, delta, state).Status);
    }

    [Fact]
    public void an_unpruned_full_feed_with_a_floor_is_refolded_and_the_floor_survives_a_stored_state_round_trip()
    {
        ledger.History.RevokeNew();
        var (_, first) = ledger.AcceptedFullFeed();
        ledger.History.Supersede(license.Id, 2);
        ledger.History.RevokeNew();

        var verdict = Verify(1, Full(), first);
        var stored = FeedState.Parse(verdict.Feed!.ToJson());

        Assert.Equal(VerificationStatus.Superseded, verdict.Status);
        Assert.Equal(verdict.Feed, stored);
        Assert.Equal(VerificationStatus.Superseded, LicenseVerifier.Verify(ledger.Sign(license), ledger.Jwks, ledger.Expectations, Now, stored).Status);
    }

    [Fact]
    public void a_floor_whose_rev_was_altered_after_hashing_breaks_the_chain()
    {
        ledger.History.Supersede(license.Id, 3);
        var payload = ledger.History.Full(Now.AddMinutes(-5));
        var lowered = payload with { Entries = [payload.Entries[0] with { Revision = 2 }] };

        var verdict = Verify(2, ledger.SignFeed(lowered));

        Assert.Equal(VerificationStatus.FeedChainBroken, verdict.Status);
    }

    [Fact]
    public void a_full_feed_that_drops_or_lowers_a_stored_floor_is_refused_unless_it_pruned_it()
    {
        ledger.History.Supersede(license.Id, 3, keysExpire: Now.AddDays(10));
        var (_, state) = ledger.AcceptedFullFeed();
        ledger.History.RevokeNew();
        var full = ledger.History.Full(Now.AddMinutes(-5));

        // A forked history at a higher version, pruned or not, without the floor (or with a lower one).
        var dropped = full with { Entries = [.. full.Entries.Where(e => e.Kind != RevocationEntry.Superseded)], PrunedBefore = Now.AddDays(-1) };
        var lowered = full with { Entries = [full.Entries[0] with { Revision = 2 }, full.Entries[1]], PrunedBefore = Now.AddDays(-1) };
        Assert.Equal(VerificationStatus.FeedChainBroken, RevocationFeeds.Accept(ledger.SignFeed(dropped), ledger.Jwks, LedgerWithSigningKeys.Issuer, state, Now).Status);
        var refusal = RevocationFeeds.Accept(ledger.SignFeed(lowered), ledger.Jwks, LedgerWithSigningKeys.Issuer, state, Now);
        Assert.Equal(VerificationStatus.FeedChainBroken, refusal.Status);
        Assert.Contains("revision floor 2", refusal.Detail);

        // Pruned once every superseded key expired: the floor may go.
        var pruned = full with { Entries = [full.Entries[1]], PrunedBefore = Now.AddDays(11) };
        var accepted = RevocationFeeds.Accept(ledger.SignFeed(pruned), ledger.Jwks, LedgerWithSigningKeys.Issuer, state, Now);
        Assert.Equal(VerificationStatus.Valid, accepted.Status);
        Assert.Empty(accepted.State!.Superseded);
    }

    [Fact]
    public void a_filter_carries_floors_and_reports_an_older_key_superseded()
    {
        ledger.History.Supersede(license.Id, 2);
        var cascade = RevocationCascade.Build([], [license.Id]);
        var filter = ledger.SignFilter(new RevocationFilterPayload(
            LedgerWithSigningKeys.Issuer, ledger.History.Version, ledger.History.ChainAt(ledger.History.Version), Now.AddMinutes(-5), Now.AddHours(23),
            Now.AddHours(-1), cascade.ToBytes(), new Dictionary<Guid, int> { [license.Id] = 2 }));

        Assert.Equal(VerificationStatus.Superseded,
            LicenseVerifier.VerifyWithFilter(ledger.Sign(license), ledger.Jwks, ledger.Expectations, Now, filter, null).Status);
        Assert.Equal(VerificationStatus.Valid,
            LicenseVerifier.VerifyWithFilter(ledger.Sign(license with { Revision = 2 }), ledger.Jwks, ledger.Expectations, Now, filter, null).Status);
    }
}
