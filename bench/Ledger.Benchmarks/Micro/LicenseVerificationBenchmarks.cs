using System.Text;
using BenchmarkDotNet.Attributes;
using Ledger.Benchmarks.Fixtures;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Benchmarks.Micro;

/// <summary>
/// The layers of offline verification as BenchmarkDotNet micro-benchmarks (<c>--micro</c>): bare Ed25519
/// (the baseline), <see cref="Jws.Verify"/>, and <see cref="LicenseVerifier.Verify"/> against a
/// 10,000-entry feed state, all on one license key. The <c>verify</c> scenario measures the same over
/// 20,000 distinct keys with the limit paired round by round; this shows each layer's cost and allocations.
/// </summary>
[MemoryDiagnoser]
[InProcess]
public class LicenseVerificationBenchmarks : IDisposable
{
    private readonly BenchIssuer issuer = new();
    private readonly JwsVerifyOptions licenseKeyRules = new() { RequiredType = LicenseClaims.TokenType };
    private readonly LicenseExpectations expected = new(BenchIssuer.Issuer, "ledger-desktop", ["export"]);
    private DateTimeOffset now;
    private string licenseKey = "";
    private byte[] signingInput = [];
    private byte[] signature = [];
    private FeedState feed = null!;

    [GlobalSetup]
    public void Setup()
    {
        now = RevocationHistory.WholeSeconds(DateTimeOffset.UtcNow);
        licenseKey = issuer.SignLicense(new LicenseClaims(UuidV7.NewId(), BenchIssuer.Issuer, "customer-0042", "ledger-desktop",
            now.AddDays(-30), now.AddDays(-30), now.AddDays(335), ["export", "sso", "audit-log"], "ledger-desktop", "enterprise", 1));
        var lastDot = licenseKey.LastIndexOf('.');
        signingInput = Encoding.ASCII.GetBytes(licenseKey[..lastDot]);
        signature = Base64Url.Decode(licenseKey[(lastDot + 1)..]);
        var history = RevocationHistory.Build(Enumerable.Range(0, 10_000).Select(_ => UuidV7.NewId()).ToList(), 101, now.AddDays(-300), TimeSpan.FromMinutes(40), TimeSpan.FromDays(365));
        feed = RevocationFeeds.Accept(issuer.SignFeed(history.Full(now.AddMinutes(-5))), issuer.Jwks, BenchIssuer.Issuer, null, now).State
            ?? throw new BenchmarkInvalidException("The feed was refused.");
        if (LicenseVerifier.Verify(licenseKey, issuer.Jwks, expected, now, feed).Status != VerificationStatus.Valid)
        {
            throw new BenchmarkInvalidException("The license key does not verify.");
        }
    }

    [Benchmark(Baseline = true, Description = "bare Ed25519 (limit)")]
    public bool BareEd25519() => Ed25519Signature.Verify(issuer.LicensePublicKey, signingInput, signature);

    [Benchmark(Description = "Jws.Verify")]
    public bool JwsVerify() => Jws.Verify(licenseKey, issuer.Jwks, licenseKeyRules).IsValid;

    [Benchmark(Description = "LicenseVerifier.Verify")]
    public VerificationStatus LicenseVerifierVerify() => LicenseVerifier.Verify(licenseKey, issuer.Jwks, expected, now, feed).Status;

    public void Dispose()
    {
        issuer.Dispose();
        GC.SuppressFinalize(this);
    }
}
