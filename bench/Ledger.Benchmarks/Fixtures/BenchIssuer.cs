using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Benchmarks.Fixtures;

/// <summary>
/// An issuer as a verifier sees it: a license key and a feed key, each published in the JWKS with its
/// purpose, the way Notary publishes them. Fresh keys every run; nothing is read from disk.
/// </summary>
public sealed class BenchIssuer : IDisposable
{
    public const string Issuer = "ledger";
    public const string LicenseKid = "bench-license-1";
    public const string FeedKid = "bench-feed-1";

    private readonly Ed25519SigningKey licenseKey = Ed25519SigningKey.Generate();
    private readonly Ed25519SigningKey feedKey = Ed25519SigningKey.Generate();

    public BenchIssuer()
    {
        Jwks = new JsonWebKeySet(
        [
            licenseKey.ToJwk(LicenseKid, includePrivate: false).With(purpose: "license"),
            feedKey.ToJwk(FeedKid, includePrivate: false).With(purpose: "feed"),
        ]);
    }

    public JsonWebKeySet Jwks { get; }

    /// <summary>The license key's raw 32-byte public key, for the bare Ed25519 limit.</summary>
    public byte[] LicensePublicKey => licenseKey.PublicKey;

    public string SignLicense(LicenseClaims claims) =>
        Jws.Sign(claims.ToJson(), licenseKey, LicenseKid, LicenseClaims.TokenType);

    public string SignFeed(RevocationFeedPayload payload) =>
        Jws.Sign(payload.ToJson(), feedKey, FeedKid, RevocationFeedPayload.TokenType);

    public string SignFilter(RevocationFilterPayload payload) =>
        Jws.Sign(payload.ToJson(), feedKey, FeedKid, RevocationFilterPayload.TokenType);

    public void Dispose()
    {
        licenseKey.Dispose();
        feedKey.Dispose();
    }
}
