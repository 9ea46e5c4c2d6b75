using System.Text;
using Ledger.Benchmarks.Fixtures;
using Ledger.Benchmarks.Harness;
using Ledger.Benchmarks.Results;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// Offline verification of distinct license keys on one thread (signature, claims, revocation lookup in a
/// 10,000-entry feed state) against the limit: bare Ed25519 verification of the same signatures over the
/// same signing inputs. Target (issue 10): ratio >= 0.85.
/// </summary>
public sealed class VerifyScenario : IScenario
{
    private const int Licenses = 20_000;
    private const int RevokedInFeed = 10_000;
    private const int RevokedAmongLicenses = 200;
    private const int Slices = 10;
    private const int SliceSize = Licenses / Slices;
    private const int Warmups = Slices;
    private const int Rounds = 7 * Slices;
    private const double TargetRatio = 0.85;
    private const string Audience = "ledger-desktop";

    public string Name => "verify";

    public string Description =>
        $"{Licenses:N0} distinct license keys verified offline on one thread against a {RevokedInFeed:N0}-entry feed, beside bare Ed25519 verification of the same signatures";

    public ScenarioReport Run(ScenarioLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        using var issuer = new BenchIssuer();
        var now = RevocationHistory.WholeSeconds(DateTimeOffset.UtcNow);

        log.Step($"signing {Licenses:N0} license keys");
        var licenseIds = new Guid[Licenses];
        var licenseKeys = new string[Licenses];
        for (var i = 0; i < Licenses; i++)
        {
            licenseIds[i] = UuidV7.NewId();
            var claims = new LicenseClaims(
                licenseIds[i],
                BenchIssuer.Issuer,
                $"customer-{i % 500:D4}",
                Audience,
                now.AddDays(-30),
                now.AddDays(-30),
                now.AddDays(335),
                ["export", "sso", "audit-log"],
                Audience,
                "enterprise",
                1);
            licenseKeys[i] = issuer.SignLicense(claims);
        }

        log.Step($"accepting a signed full feed of {RevokedInFeed:N0} revocations ({RevokedAmongLicenses} of them among the licenses)");
        var revokedIds = new List<Guid>(RevokedInFeed);
        for (var i = 0; i < RevokedAmongLicenses; i++)
        {
            revokedIds.Add(licenseIds[i * (Licenses / RevokedAmongLicenses)]);
        }

        while (revokedIds.Count < RevokedInFeed)
        {
            revokedIds.Add(UuidV7.NewId());
        }

        var history = RevocationHistory.Build(revokedIds, versionStep: 101, now.AddDays(-300), TimeSpan.FromMinutes(40), TimeSpan.FromDays(365));
        var acceptance = RevocationFeeds.Accept(issuer.SignFeed(history.Full(now.AddMinutes(-5))), issuer.Jwks, BenchIssuer.Issuer, null, now);
        if (!acceptance.IsAccepted)
        {
            throw new BenchmarkInvalidException($"The full feed was refused ({acceptance.Status}): {acceptance.Detail}");
        }

        var feed = acceptance.State!;
        var expected = new LicenseExpectations(BenchIssuer.Issuer, Audience, ["export"]);
        var jwks = issuer.Jwks;
        var jwsOptions = new JwsVerifyOptions { RequiredType = LicenseClaims.TokenType };

        // The limit verifies exactly what LicenseVerifier verifies: the JWS signing input and its signature.
        var publicKey = issuer.LicensePublicKey;
        var signingInputs = new byte[Licenses][];
        var signatures = new byte[Licenses][];
        for (var i = 0; i < Licenses; i++)
        {
            var lastDot = licenseKeys[i].LastIndexOf('.');
            signingInputs[i] = Encoding.ASCII.GetBytes(licenseKeys[i][..lastDot]);
            signatures[i] = Base64Url.Decode(licenseKeys[i][(lastDot + 1)..]);
        }

        log.Step("checking every verdict before timing anything");
        var verdicts = licenseKeys.Select(k => LicenseVerifier.Verify(k, jwks, expected, now, feed).Status).ToArray();
        var valid = verdicts.Count(s => s == VerificationStatus.Valid);
        var revoked = verdicts.Count(s => s == VerificationStatus.Revoked);
        if (valid != Licenses - RevokedAmongLicenses || revoked != RevokedAmongLicenses)
        {
            throw new BenchmarkInvalidException($"Expected {Licenses - RevokedAmongLicenses} valid and {RevokedAmongLicenses} revoked verdicts, got {valid} valid, {revoked} revoked and {Licenses - valid - revoked} other ({verdicts.First(s => s is not (VerificationStatus.Valid or VerificationStatus.Revoked))}).");
        }

        if (Enumerable.Range(0, Licenses).Any(i => !Ed25519Signature.Verify(publicKey, signingInputs[i], signatures[i])))
        {
            throw new BenchmarkInvalidException("A signature the ledger verifier accepted did not verify as bare Ed25519: the two sides measure different work.");
        }

        log.Step($"measuring: one warm-up pass, then {Rounds / Slices} passes over the {Licenses:N0} licenses in {Rounds} interleaved rounds of {SliceSize:N0}, for the verifier, the JWS layer alone and bare Ed25519");
        var sink = 0;
        var samples = Sampler.Interleaved(
            Warmups,
            Rounds,
            round =>
            {
                for (var i = round % Slices * SliceSize; i < (round % Slices * SliceSize) + SliceSize; i++)
                {
                    sink += (int)LicenseVerifier.Verify(licenseKeys[i], jwks, expected, now, feed).Status;
                }
            },
            round =>
            {
                for (var i = round % Slices * SliceSize; i < (round % Slices * SliceSize) + SliceSize; i++)
                {
                    sink += Jws.Verify(licenseKeys[i], jwks, jwsOptions).IsValid ? 1 : 0;
                }
            },
            round =>
            {
                for (var i = round % Slices * SliceSize; i < (round % Slices * SliceSize) + SliceSize; i++)
                {
                    sink += Ed25519Signature.Verify(publicKey, signingInputs[i], signatures[i]) ? 1 : 0;
                }
            });
        GC.KeepAlive(sink);

        var (ledger, jwsOnly, bare) = (samples[0], samples[1], samples[2]);
        // Times per license derive from the bare median and the paired ratios, so one noisy stretch
        // of the machine does not show up as overhead of one layer.
        var ratio = Samples.PairedRatio(bare, ledger);
        var jwsRatio = Samples.PairedRatio(bare, jwsOnly);
        var bareMicros = bare.NanosecondsEach(SliceSize) / 1000;
        var ledgerMicros = bareMicros / ratio;
        var jwsMicros = bareMicros / jwsRatio;

        var figures = new List<Figure>
        {
            new("ledger_verifications_per_second", "LicenseVerifier.Verify", ledger.Rate(SliceSize), "verifications/s", ledger.Spread(SliceSize)),
            new("bare_ed25519_verifications_per_second", "bare Ed25519 verify (limit)", bare.Rate(SliceSize), "verifications/s", bare.Spread(SliceSize)),
            new("ratio", "ratio verifier / bare Ed25519", ratio, "ratio", "median over rounds of bare time / verifier time on the same slice, run back to back"),
            new("ledger_microseconds_per_verification", "verifier time per license", ledgerMicros, "µs"),
            new("bare_microseconds_per_verification", "bare Ed25519 time per license", bareMicros, "µs"),
            new("jws_layer_verifications_per_second", "Jws.Verify alone (framing + signature)", jwsOnly.Rate(SliceSize), "verifications/s", jwsOnly.Spread(SliceSize)),
            new("jws_framing_overhead_microseconds", "overhead of Jws.Verify over bare Ed25519", jwsMicros - bareMicros, "µs/license", "split, base64url, header policy, key lookup, signing input"),
            new("claims_and_revocation_overhead_microseconds", "overhead of claims, checks and revocation lookup", ledgerMicros - jwsMicros, "µs/license", "claims JSON parse, expectations, feed lookup, verdict text"),
        };

        var targets = new List<Target>
        {
            Target.AtLeast(
                "ratio",
                $"verifier / bare Ed25519 >= {TargetRatio}",
                ratio,
                TargetRatio,
                $"per license the verifier spends {ResultsWriter.Format(jwsMicros - bareMicros)} µs in the JWS layer (split, strict base64url, header parse and policy, key lookup; the signature itself is one NSec call with a cached key) and {ResultsWriter.Format(ledgerMicros - jwsMicros)} µs on claims, checks, the revocation lookup and the verdict text, beside {ResultsWriter.Format(bareMicros)} µs of Ed25519"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["licenses"] = Licenses,
            ["revoked_in_feed"] = RevokedInFeed,
            ["revoked_among_licenses"] = RevokedAmongLicenses,
            ["threads"] = 1,
            ["warmup_rounds"] = Warmups,
            ["measured_rounds"] = Rounds,
            ["licenses_per_round"] = SliceSize,
            ["license_key_bytes"] = licenseKeys.Average(k => k.Length),
        };

        return new ScenarioReport(Name, Description, parameters, figures, targets,
        [
            "Rounds of 2,000 licenses interleave verifier, JWS layer and bare Ed25519, so machine drift hits all three; the ratio is paired round by round and is what counts.",
            "Bare Ed25519 is Ledger.Crypto's Ed25519Signature.Verify (NSec over libsodium, including its public-key import per call).",
        ]);
    }
}
