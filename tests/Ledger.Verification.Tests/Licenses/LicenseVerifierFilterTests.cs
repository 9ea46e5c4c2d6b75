using Ledger.Crypto;
using Ledger.Verification.Tests.Support;

namespace Ledger.Verification.Tests.Licenses;

public sealed class LicenseVerifierFilterTests : IDisposable
{
    private static readonly DateTimeOffset Now = LedgerWithSigningKeys.Now;
    private static readonly DateTimeOffset CoversUntil = Now.AddHours(-1);
    private readonly LedgerWithSigningKeys ledger = new();
    private readonly LicenseSpec kept = LedgerWithSigningKeys.NewLicense();
    private readonly LicenseSpec revoked = LedgerWithSigningKeys.NewLicense();

    public LicenseVerifierFilterTests()
    {
        ledger.History.Revoke(revoked.Id);
    }

    public void Dispose() => ledger.Dispose();

    [Fact]
    public void unrevoked_license_covered_by_the_filter_is_valid()
    {
        var verdict = VerifyWithFilter(kept, Filter());

        Assert.Equal(VerificationStatus.Valid, verdict.Status);
        Assert.True(verdict.Feed!.FromFilter);
        Assert.Equal(1, verdict.Feed.Version);
        Assert.Empty(verdict.Feed.Revoked);
    }

    [Fact]
    public void license_the_filter_says_is_revoked_fails_offline_verification()
    {
        var verdict = VerifyWithFilter(revoked, Filter());

        Assert.Equal(VerificationStatus.Revoked, verdict.Status);
        Assert.Contains("filter version 1", verdict.Detail);
    }

    [Fact]
    public void license_issued_after_covers_until_is_not_covered()
    {
        var late = LedgerWithSigningKeys.NewLicense(issuedAt: CoversUntil.AddSeconds(1));

        var verdict = VerifyWithFilter(late, Filter());

        Assert.Equal(VerificationStatus.NotCovered, verdict.Status);
        Assert.Contains("covers_until", verdict.Detail);
        Assert.NotNull(verdict.Feed);
    }

    [Fact]
    public void license_with_a_uuid_v6_id_is_not_covered_by_a_filter()
    {
        var v6 = kept with { Id = Guid.Parse("1f0a9a0b-1b2c-6d3e-8f40-5a6b7c8d9e0f") };

        Assert.Equal(VerificationStatus.NotCovered, VerifyWithFilter(v6, Filter()).Status);
    }

    [Fact]
    public void filter_of_another_issuer_does_not_cover_the_license()
    {
        var filter = FilterPayload() with { Issuer = "other-vendor", Chain = FeedChain.Encode(FeedChain.Genesis("other-vendor")) };

        Assert.Equal(VerificationStatus.NotCovered, VerifyWithFilter(kept, ledger.SignFilter(filter)).Status);
    }

    [Fact]
    public void expired_filter_is_stale()
    {
        var filter = FilterPayload() with { IssuedAt = Now.AddDays(-2), ExpiresAt = Now.AddDays(-1) };

        Assert.Equal(VerificationStatus.FeedStale, VerifyWithFilter(kept, ledger.SignFilter(filter)).Status);
    }

    [Fact]
    public void filter_older_than_the_stored_state_is_rolled_back()
    {
        var older = Filter();
        ledger.History.RevokeNew();
        var (_, current) = ledger.AcceptedFullFeed();

        Assert.Equal(VerificationStatus.FeedRolledBack, VerifyWithFilter(kept, older, current).Status);
    }

    [Fact]
    public void filter_at_the_stored_version_with_another_chain_is_chain_broken()
    {
        var (_, state) = ledger.AcceptedFullFeed();
        var forked = FilterPayload() with { Chain = FeedChain.Encode(FeedChain.Genesis("fork")) };

        Assert.Equal(VerificationStatus.FeedChainBroken, VerifyWithFilter(kept, ledger.SignFilter(forked), state).Status);
    }

    [Fact]
    public void filter_signed_with_a_feed_typ_is_feed_signature_invalid()
    {
        var asFeed = Jws.Sign(FilterPayload().ToJson(), ledger.FeedKey, LedgerWithSigningKeys.FeedKid, RevocationFeedPayload.TokenType);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, VerifyWithFilter(kept, asFeed).Status);
    }

    [Fact]
    public void filter_signed_by_an_untrusted_key_is_feed_signature_invalid()
    {
        var forged = ledger.SignFilter(FilterPayload(), ledger.StrangerKey, LedgerWithSigningKeys.StrangerKid);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, VerifyWithFilter(revoked, forged).Status);
    }

    [Fact]
    public void state_from_a_filter_cannot_answer_for_a_revocation_list()
    {
        var state = VerifyWithFilter(kept, Filter()).Feed!;

        var verdict = LicenseVerifier.Verify(ledger.Sign(kept), ledger.Jwks, ledger.Expectations, Now, state);

        Assert.Equal(VerificationStatus.NotCovered, verdict.Status);
    }

    [Fact]
    public void state_from_a_filter_cannot_take_a_delta()
    {
        var state = VerifyWithFilter(kept, Filter()).Feed!;
        ledger.History.RevokeNew();
        var delta = ledger.SignFeed(ledger.History.DeltaSince(state.Version, Now.AddMinutes(-1)));

        Assert.Equal(VerificationStatus.FeedChainBroken, RevocationFeeds.Accept(delta, ledger.Jwks, LedgerWithSigningKeys.Issuer, state, Now).Status);
    }

    private RevocationFilterPayload FilterPayload()
    {
        var cascade = RevocationCascade.Build([revoked.Id], [kept.Id, .. Enumerable.Range(0, 50).Select(_ => UuidV7.NewId(Now.AddDays(-40)))]);
        return new RevocationFilterPayload(
            LedgerWithSigningKeys.Issuer, ledger.History.Version, ledger.History.ChainAt(ledger.History.Version), Now.AddMinutes(-5), Now.AddHours(23), CoversUntil, cascade.ToBytes(),
            new Dictionary<Guid, int>());
    }

    private string Filter() => ledger.SignFilter(FilterPayload());

    private LicenseVerdict VerifyWithFilter(LicenseSpec license, string filter, FeedState? previous = null) =>
        LicenseVerifier.VerifyWithFilter(ledger.Sign(license), ledger.Jwks, ledger.Expectations, Now, filter, previous);
}
