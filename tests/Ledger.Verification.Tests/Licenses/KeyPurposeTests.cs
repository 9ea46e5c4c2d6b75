using Ledger.Crypto;
using Ledger.Verification.Tests.Support;

namespace Ledger.Verification.Tests.Licenses;

/// <summary>Keys that name their ring (Notary's JWKS does) vouch only for their own kind of document.</summary>
public sealed class KeyPurposeTests : IDisposable
{
    private static readonly DateTimeOffset Now = LedgerWithSigningKeys.Now;
    private readonly LedgerWithSigningKeys ledger = new();

    public void Dispose() => ledger.Dispose();

    private JsonWebKeySet JwksWithPurposes() => new(
    [
        JsonWebKey.FromEd25519(ledger.LicenseKey.PublicKey, [], LedgerWithSigningKeys.LicenseKid).With(purpose: "license"),
        JsonWebKey.FromEd25519(ledger.FeedKey.PublicKey, [], LedgerWithSigningKeys.FeedKid).With(purpose: "feed"),
    ]);

    [Fact]
    public void a_license_signed_by_the_feed_key_is_not_genuine()
    {
        var license = ledger.SignLicense(LedgerWithSigningKeys.NewLicense().ToJson().ToJsonString(), ledger.FeedKey, LedgerWithSigningKeys.FeedKid);
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));

        var verdict = LicenseVerifier.Verify(license, JwksWithPurposes(), ledger.Expectations, Now, feed, null);

        Assert.Equal(VerificationStatus.UnknownKey, verdict.Status);
        Assert.Contains("only license keys may sign it", verdict.Detail);
    }

    [Fact]
    public void a_feed_signed_by_the_license_key_is_refused()
    {
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)), ledger.LicenseKey, LedgerWithSigningKeys.LicenseKid);

        var acceptance = RevocationFeeds.Accept(feed, JwksWithPurposes(), LedgerWithSigningKeys.Issuer, null, Now);

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, acceptance.Status);
    }

    [Fact]
    public void documents_signed_by_keys_of_their_own_purpose_verify()
    {
        var license = ledger.Sign(LedgerWithSigningKeys.NewLicense());
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));

        Assert.Equal(VerificationStatus.Valid, LicenseVerifier.Verify(license, JwksWithPurposes(), ledger.Expectations, Now, feed, null).Status);
    }

    [Fact]
    public void keys_without_a_purpose_are_refused_unless_the_caller_names_the_purpose_of_the_whole_set()
    {
        var license = ledger.Sign(LedgerWithSigningKeys.NewLicense());
        var feed = ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)));
        var licenseSet = new JsonWebKeySet([JsonWebKey.FromEd25519(ledger.LicenseKey.PublicKey, [], LedgerWithSigningKeys.LicenseKid).ToPublic()]);
        var withFeedKey = new JsonWebKeySet([.. licenseSet.Keys, JsonWebKey.FromEd25519(ledger.FeedKey.PublicKey, [], LedgerWithSigningKeys.FeedKid).With(purpose: "feed")]);

        var refused = LicenseVerifier.Verify(license, withFeedKey, ledger.Expectations, Now, feed, null);
        var named = LicenseVerifier.Verify(license, withFeedKey, ledger.Expectations, Now, feed, null, new FeedOptions { UnmarkedKeyPurpose = "license" });
        var wrongName = RevocationFeeds.Accept(ledger.SignFeed(ledger.History.Full(Now.AddMinutes(-5)), ledger.LicenseKey, LedgerWithSigningKeys.LicenseKid),
            licenseSet, LedgerWithSigningKeys.Issuer, null, Now, new FeedOptions { UnmarkedKeyPurpose = "license" });

        Assert.Equal(VerificationStatus.UnknownKey, refused.Status);
        Assert.Contains("without a 'purpose' member", refused.Detail);
        Assert.Equal(VerificationStatus.Valid, named.Status);
        Assert.Equal(VerificationStatus.FeedSignatureInvalid, wrongName.Status);
    }
}
