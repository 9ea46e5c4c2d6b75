using System.Text.Json.Nodes;
using Ledger.Crypto;
using Ledger.Verification.Tests.Support;

namespace Ledger.Verification.Tests.Feeds;

public sealed class RevocationFeedsTests : IDisposable
{
    private const string Issuer = LedgerWithSigningKeys.Issuer;
    private static readonly DateTimeOffset Now = LedgerWithSigningKeys.Now;
    private readonly LedgerWithSigningKeys ledger = new();

    public void Dispose() => ledger.Dispose();

    [Fact]
    public void first_full_feed_is_accepted_with_its_ids_version_chain_and_expiry()
    {
        var first = ledger.History.RevokeNew();
        var second = ledger.History.RevokeNew();
        var payload = ledger.History.Full(Now.AddMinutes(-5));

        var acceptance = Accept(ledger.SignFeed(payload), previous: null);

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.True(acceptance.IsAccepted);
        var state = acceptance.State!;
        Assert.Equal((Issuer, 2L, payload.Chain, payload.ExpiresAt, (DateTimeOffset?)null, false), (state.Issuer, state.Version, state.Chain, state.ExpiresAt, state.PrunedBefore, state.FromFilter));
        Assert.True(state.Revoked.SetEquals([first, second]));
    }

    [Fact]
    public void empty_full_feed_at_version_zero_is_accepted()
    {
        var acceptance = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5))), previous: null);

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.Equal(0, acceptance.State!.Version);
        Assert.Equal(FeedChain.Encode(FeedChain.Genesis(Issuer)), acceptance.State.Chain);
        Assert.Empty(acceptance.State.Revoked);
    }

    [Fact]
    public void pruned_full_feed_is_accepted_without_the_pruned_entries()
    {
        var expiredLongAgo = ledger.History.Revoke(UuidV7.NewId(Now.AddDays(-400)), Now.AddDays(-200), licenseExpires: Now.AddDays(-35)).Id;
        var current = ledger.History.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5), prunedBefore: Now.AddDays(-30))), previous: null);

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.Equal([current], acceptance.State!.Revoked);
        Assert.DoesNotContain(expiredLongAgo, acceptance.State.Revoked);
        Assert.Equal(Now.AddDays(-30), acceptance.State.PrunedBefore);
    }

    [Fact]
    public void delta_since_the_stored_version_yields_exactly_the_union()
    {
        var a = ledger.History.RevokeNew();
        var b = ledger.History.RevokeNew();
        var (_, before) = ledger.AcceptedFullFeed();
        var c = ledger.History.RevokeNew();
        var d = ledger.History.Revoke(UuidV7.NewId(Now.AddDays(-3)), kind: RevocationEntry.Attestation, step: 5).Id;

        var acceptance = Accept(ledger.SignFeed(ledger.History.DeltaSince(before.Version, Now.AddMinutes(-1))), before);

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.True(acceptance.State!.Revoked.SetEquals([a, b, c, d]));
        Assert.Equal(8, acceptance.State.Version);
        Assert.Equal(ledger.History.ChainAt(8), acceptance.State.Chain);
        Assert.Equal(2, before.Revoked.Count);
    }

    [Fact]
    public void empty_delta_at_the_stored_version_is_accepted_and_refreshes_the_expiry()
    {
        ledger.History.RevokeNew();
        var (_, before) = ledger.AcceptedFullFeed();
        var later = Now.AddHours(20);

        var acceptance = RevocationFeeds.Accept(ledger.SignFeed(ledger.History.DeltaSince(before.Version, later)), ledger.Jwks, Issuer, before, later);

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.Equal(later.AddHours(24), acceptance.State!.ExpiresAt);
        Assert.True(before.Revoked.SetEquals(acceptance.State.Revoked));
    }

    [Fact]
    public void feed_with_a_tampered_entry_is_feed_signature_invalid()
    {
        ledger.History.RevokeNew();
        var jws = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));
        var tampered = LedgerWithSigningKeys.WithPayload(jws, feed =>
        {
            feed["entries"]![0]!["id"] = UuidV7.NewId(Now).ToString();
            return feed;
        });

        var acceptance = Accept(tampered, previous: null);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, acceptance.Status);
        Assert.Null(acceptance.State);
    }

    [Fact]
    public void feed_signed_by_a_key_not_in_the_jwks_is_feed_signature_invalid()
    {
        var jws = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)), ledger.StrangerKey, LedgerWithSigningKeys.StrangerKid);

        var acceptance = Accept(jws, previous: null);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, acceptance.Status);
        Assert.Contains("JWKS", acceptance.Detail);
    }

    [Theory]
    [InlineData("retired")]
    [InlineData("compromised")]
    public void feed_signed_by_a_withdrawn_key_is_feed_signature_invalid(string status)
    {
        var jws = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));

        var acceptance = RevocationFeeds.Accept(jws, ledger.JwksWith(LedgerWithSigningKeys.FeedKid, status), Issuer, null, Now);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, acceptance.Status);
        Assert.Contains(status, acceptance.Detail);
    }

    [Fact]
    public void feed_signed_after_its_keys_not_after_is_feed_signature_invalid()
    {
        var jws = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));

        var acceptance = RevocationFeeds.Accept(jws, ledger.JwksWith(LedgerWithSigningKeys.FeedKid, notAfter: Now.AddDays(-1)), Issuer, null, Now);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, acceptance.Status);
    }

    [Theory]
    [InlineData("license+jwt")]
    [InlineData("revocation-filter+jwt")]
    [InlineData("jwt")]
    public void feed_with_another_typ_is_feed_signature_invalid(string typ)
    {
        var jws = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)), typ: typ);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, Accept(jws, previous: null).Status);
    }

    [Fact]
    public void feed_larger_than_the_size_limit_is_refused()
    {
        for (var i = 0; i < 20; i++)
        {
            ledger.History.RevokeNew();
        }

        var jws = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));

        var acceptance = RevocationFeeds.Accept(jws, ledger.Jwks, Issuer, null, Now, new FeedOptions { MaxFeedBytes = 1024 });

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, acceptance.Status);
    }

    [Fact]
    public void full_feed_with_thousands_of_entries_is_accepted()
    {
        for (var i = 0; i < 3000; i++)
        {
            ledger.History.RevokeNew();
        }

        var acceptance = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5))), previous: null);

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.Equal(3000, acceptance.State!.Revoked.Count);
    }

    [Fact]
    public void feed_past_its_exp_is_stale()
    {
        var jws = ledger.SignFeed(ledger.History.Full(Now.AddDays(-2)));

        var acceptance = Accept(jws, previous: null);

        Assert.Equal(VerificationStatus.FeedStale, acceptance.Status);
        Assert.Contains("Fetch a fresh revocation feed", acceptance.Detail);
    }

    [Fact]
    public void feed_that_expired_within_the_clock_skew_is_accepted()
    {
        var payload = ledger.History.Full(Now.AddHours(-24).AddMinutes(-1));

        Assert.Equal(VerificationStatus.Valid, Accept(ledger.SignFeed(payload), previous: null).Status);
    }

    [Fact]
    public void stale_feed_is_accepted_only_with_the_unsafe_option()
    {
        var jws = ledger.SignFeed(ledger.History.Full(Now.AddDays(-2)));

        var acceptance = RevocationFeeds.Accept(jws, ledger.Jwks, Issuer, null, Now, new FeedOptions { AllowStaleFeedUnsafe = true });

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
    }

    [Fact]
    public void feed_signed_in_the_future_is_malformed()
    {
        var jws = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(10)));

        var acceptance = Accept(jws, previous: null);

        Assert.Equal(VerificationStatus.Malformed, acceptance.Status);
        Assert.Contains("clock", acceptance.Detail);
    }

    [Fact]
    public void signed_feed_with_a_malformed_payload_is_malformed()
    {
        var payload = JsonNode.Parse(ledger.History.Full(Now.AddMinutes(-5)).ToJson())!.AsObject();
        payload["kind"] = "partial";
        var jws = Jws.Sign(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()), ledger.FeedKey, LedgerWithSigningKeys.FeedKid, RevocationFeedPayload.TokenType);

        var acceptance = Accept(jws, previous: null);

        Assert.Equal(VerificationStatus.Malformed, acceptance.Status);
        Assert.Contains("'kind'", acceptance.Detail);
    }

    [Fact]
    public void feed_of_another_issuer_is_not_covered()
    {
        var other = new RevocationHistory("other-vendor");
        other.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(other.Full(Now.AddMinutes(-5))), previous: null);

        Assert.Equal(VerificationStatus.NotCovered, acceptance.Status);
    }

    [Fact]
    public void older_feed_after_a_newer_one_is_rolled_back()
    {
        ledger.History.RevokeNew();
        var old = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-30)));
        ledger.History.RevokeNew();
        var (_, current) = ledger.AcceptedFullFeed();

        var acceptance = Accept(old, current);

        Assert.Equal(VerificationStatus.FeedRolledBack, acceptance.Status);
        Assert.Contains("older than version 2", acceptance.Detail);
    }

    [Fact]
    public void same_version_with_another_chain_is_chain_broken()
    {
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        var rewritten = new RevocationHistory(Issuer);
        rewritten.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(rewritten.Full(Now.AddMinutes(-1))), accepted);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains("rewritten", acceptance.Detail);
    }

    [Fact]
    public void newer_unpruned_full_feed_from_a_rewritten_history_is_chain_broken()
    {
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        var rewritten = new RevocationHistory(Issuer);
        rewritten.RevokeNew();
        rewritten.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(rewritten.Full(Now.AddMinutes(-1))), accepted);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains("does not pass through version 1", acceptance.Detail);
    }

    [Fact]
    public void newer_unpruned_full_feed_that_drops_an_accepted_revocation_is_chain_broken()
    {
        var dropped = ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        var rewritten = new RevocationHistory(Issuer);
        rewritten.Revoke(UuidV7.NewId(Now.AddDays(-2)), step: 2);

        var acceptance = Accept(ledger.SignFeed(rewritten.Full(Now.AddMinutes(-1))), accepted);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains(dropped, accepted.Revoked);
    }

    [Fact]
    public void newer_unpruned_full_feed_continuing_the_accepted_history_is_valid()
    {
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        ledger.History.RevokeNew();
        ledger.History.Revoke(UuidV7.NewId(Now.AddDays(-2)), step: 3);

        var acceptance = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-1))), accepted);

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.Equal(3, acceptance.State!.Revoked.Count);
    }

    [Fact]
    public void same_full_feed_accepted_twice_is_valid()
    {
        ledger.History.RevokeNew();
        var (jws, accepted) = ledger.AcceptedFullFeed();

        var acceptance = Accept(jws, accepted);

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.Equal(accepted, acceptance.State);
    }

    [Fact]
    public void delta_that_starts_after_the_stored_version_is_chain_broken_by_a_gap()
    {
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        ledger.History.RevokeNew();
        var baseVersion = ledger.History.Version;
        ledger.History.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(ledger.History.DeltaSince(baseVersion, Now.AddMinutes(-1))), accepted);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains("gap", acceptance.Detail);
    }

    [Fact]
    public void delta_that_does_not_continue_the_stored_version_is_chain_broken()
    {
        ledger.History.RevokeNew();
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        ledger.History.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(ledger.History.DeltaSince(1, Now.AddMinutes(-1))), accepted);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains("?since=2", acceptance.Detail);
    }

    [Fact]
    public void delta_from_another_history_at_the_stored_version_is_chain_broken()
    {
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        var fork = new RevocationHistory(Issuer);
        fork.RevokeNew();
        fork.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(fork.DeltaSince(1, Now.AddMinutes(-1))), accepted);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
    }

    [Fact]
    public void delta_whose_new_entries_continue_a_rewritten_base_is_chain_broken()
    {
        // The delta names no base chain hash: the stored one is folded, so a signer whose history up to
        // the base differs from the accepted one cannot pass off the same new entries.
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        var newest = ledger.History.Revoke(UuidV7.NewId(Now.AddDays(-4)), Now.AddMinutes(-30));
        var fork = new RevocationHistory(Issuer);
        fork.RevokeNew();
        fork.Revoke(newest.Id, newest.RevokedAt, newest.ExpiresAt, newest.Reason, newest.Kind);

        var acceptance = Accept(ledger.SignFeed(fork.DeltaSince(accepted.Version, Now.AddMinutes(-1))), accepted);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains("rewritten", acceptance.Detail);
        Assert.Null(acceptance.State);
        Assert.Equal(VerificationStatus.Valid, Accept(ledger.SignFeed(ledger.History.DeltaSince(accepted.Version, Now.AddMinutes(-1))), accepted).Status);
    }

    [Fact]
    public void delta_with_a_forged_entry_that_does_not_fold_is_chain_broken()
    {
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        ledger.History.RevokeNew();
        var honest = ledger.History.DeltaSince(accepted.Version, Now.AddMinutes(-1));
        var forged = honest with { Entries = [honest.Entries[0] with { Id = UuidV7.NewId(Now.AddDays(-3)) }] };

        var acceptance = Accept(ledger.SignFeed(forged), accepted);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains("do not reach its signed chain", acceptance.Detail);
        Assert.Null(acceptance.State);
    }

    [Fact]
    public void delta_that_leaves_out_an_entry_is_chain_broken()
    {
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        ledger.History.RevokeNew();
        ledger.History.RevokeNew();
        var honest = ledger.History.DeltaSince(accepted.Version, Now.AddMinutes(-1));
        var shortened = honest with { Entries = [honest.Entries[1]] };

        Assert.Equal(VerificationStatus.FeedChainBroken, Accept(ledger.SignFeed(shortened), accepted).Status);
    }

    [Fact]
    public void delta_whose_prev_is_not_the_chain_before_its_newest_entry_is_chain_broken()
    {
        ledger.History.RevokeNew();
        var (_, accepted) = ledger.AcceptedFullFeed();
        ledger.History.RevokeNew();
        ledger.History.RevokeNew();
        var delta = ledger.History.DeltaSince(accepted.Version, Now.AddMinutes(-1)) with { Previous = ledger.History.ChainAt(1) };

        Assert.Equal(VerificationStatus.FeedChainBroken, Accept(ledger.SignFeed(delta), accepted).Status);
    }

    [Fact]
    public void delta_without_a_stored_state_is_chain_broken()
    {
        ledger.History.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(ledger.History.DeltaSince(0, Now.AddMinutes(-1))), previous: null);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains("Fetch the full feed", acceptance.Detail);
    }

    [Fact]
    public void unpruned_full_feed_whose_entries_do_not_fold_is_chain_broken()
    {
        ledger.History.RevokeNew();
        ledger.History.RevokeNew();
        var honest = ledger.History.Full(Now.AddMinutes(-5));
        var forged = honest with { Entries = [honest.Entries[0] with { Reason = "superseded" }, honest.Entries[1]] };

        Assert.Equal(VerificationStatus.FeedChainBroken, Accept(ledger.SignFeed(forged), previous: null).Status);
    }

    [Fact]
    public void a_feed_signed_to_live_ten_years_is_refused()
    {
        ledger.History.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5), lifetime: TimeSpan.FromDays(3650))), previous: null);

        Assert.Equal(VerificationStatus.Malformed, acceptance.Status);
        Assert.Contains("longer than the 7 days", acceptance.Detail);
    }

    [Fact]
    public void a_pruned_full_feed_of_a_forked_history_that_drops_a_stored_revocation_is_refused()
    {
        var revoked = ledger.History.Revoke(UuidV7.NewId(Now.AddDays(-60)), licenseExpires: Now.AddDays(300)).Id;
        var stored = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5))), previous: null).State!;
        // Another history, further along, pruned (so it cannot be refolded), without the revoked id.
        var fork = new RevocationHistory(Issuer);
        for (var i = 0; i < 3; i++)
        {
            fork.RevokeNew();
        }

        var acceptance = Accept(ledger.SignFeed(fork.Full(Now.AddMinutes(-4), prunedBefore: Now.AddDays(-1))), stored);

        Assert.Equal(VerificationStatus.FeedChainBroken, acceptance.Status);
        Assert.Contains(revoked.ToString(), acceptance.Detail);
    }

    [Fact]
    public void a_full_feed_may_drop_a_stored_revocation_only_once_its_license_expired_before_pruned_before()
    {
        var expired = ledger.History.Revoke(UuidV7.NewId(Now.AddDays(-60)), licenseExpires: Now.AddDays(-10)).Id;
        var live = ledger.History.Revoke(UuidV7.NewId(Now.AddDays(-60)), licenseExpires: Now.AddDays(300)).Id;
        var stored = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5))), previous: null).State!;
        Assert.Equal(FeedState.Parse(stored.ToJson()), stored);
        ledger.History.RevokeNew();

        var acceptance = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-4), prunedBefore: Now.AddDays(-1))), FeedState.Parse(stored.ToJson()));

        Assert.Equal(VerificationStatus.Valid, acceptance.Status);
        Assert.DoesNotContain(expired, acceptance.State!.Revoked);
        Assert.Contains(live, acceptance.State.Revoked);
    }

    [Fact]
    public void a_pruned_full_feed_may_not_jump_further_past_the_stored_version_than_the_bound_but_an_unpruned_one_may()
    {
        ledger.History.RevokeNew();
        var stored = Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5))), previous: null).State!;
        for (var i = 0; i < 6; i++)
        {
            ledger.History.RevokeNew();
        }

        var options = new FeedOptions { MaxUnrefoldableVersionJump = 5 };
        var pruned = RevocationFeeds.Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-4), prunedBefore: Now.AddDays(-400))), ledger.Jwks, Issuer, stored, Now, options);
        var unpruned = RevocationFeeds.Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-4))), ledger.Jwks, Issuer, stored, Now, options);

        Assert.Equal(VerificationStatus.FeedChainBroken, pruned.Status);
        Assert.Contains($"?since={stored.Version}", pruned.Detail, StringComparison.Ordinal);
        Assert.Equal(VerificationStatus.Valid, unpruned.Status);
    }

    private FeedAcceptance Accept(string jws, FeedState? previous) =>
        RevocationFeeds.Accept(jws, ledger.Jwks, Issuer, previous, Now);
}
