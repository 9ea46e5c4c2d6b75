using System.Text.Json;
using Ledger.Crypto;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Verification;

namespace Ledger.Notary.Features.Signing;

/// <summary>
/// What Notary agrees to sign, per purpose (docs/SECURITY.md, "What Notary signs"). The <c>typ</c> is
/// fixed by the purpose (a license is typed <c>license+jwt</c>, or <c>JWT</c> in the Flux profile with a
/// UUIDv6 jti and an aud array); a license payload is a license claim set of the ledger's issuer within the
/// license limits; a feed or filter payload parses under the feed rules, with a bounded lifetime and a
/// version no higher than the revocation log's; an attestation payload is an attestation statement of
/// the ledger's issuer. <c>expires_at</c> is required, covers what is signed and is capped. Every broken
/// rule is reported by field with the rule's name, and nothing is signed.
/// </summary>
public sealed class SigningRules(SigningLimits limits, TimeProvider clock)
{
    public const string LicenseType = LicenseClaims.TokenType;

    /// <summary>A license key of the Flux profile (FLUX_COMPAT.md): typ JWT, UUIDv6 jti, aud an array.</summary>
    public const string FluxLicenseType = LicenseClaims.FluxTokenType;
    public const string FeedType = RevocationFeedPayload.TokenType;
    public const string FilterType = RevocationFilterPayload.TokenType;
    public const string AttestationType = "attestation+jwt";

    /// <summary>Clocks of the services and Notary may differ a little.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(2);

    /// <summary>What one signature will be about, for the signature log; <see cref="FeedVersion"/> is set for feeds and filters.</summary>
    public sealed record Subject(string Name, DateTimeOffset ExpiresAt, long? FeedVersion = null);

    /// <summary>Checks a request's payloads; returns the subject of each, in order, or throws InvalidArgument naming every broken rule.</summary>
    public IReadOnlyList<Subject> Check(KeyPurpose purpose, string typ, IReadOnlyList<ReadOnlyMemory<byte>> payloads, DateTimeOffset? expiresAt, bool batch)
    {
        var validation = new RequestValidation();
        var now = clock.GetUtcNow();
        var allowed = AllowedTypes(purpose);
        if (!allowed.Contains(typ, StringComparer.Ordinal))
        {
            validation.Fail("typ", $"rule typ-by-purpose: {purpose.Name()} signatures carry typ {string.Join(" or ", allowed)}, not '{Printable(typ)}'");
        }

        var cap = purpose switch
        {
            KeyPurpose.License => limits.MaxLicenseExpiry,
            KeyPurpose.Feed => limits.MaxFeedLifetime,
            _ => limits.MaxAttestationExpiry,
        };
        if (expiresAt is not { } until)
        {
            validation.Fail("expires_at", "rule expiry-required: give when what is signed stops being valid (the key stays published until then)");
        }
        else if (until <= now)
        {
            validation.Fail("expires_at", $"rule expiry-future: {until:u} is in the past");
        }
        else if (until > now + cap)
        {
            validation.Fail("expires_at", $"rule expiry-cap: {purpose.Name()} signatures expire at most {cap.TotalDays:0.##} days ahead ({(now + cap):u}), not {until:u}");
        }

        var subjects = new List<Subject>(payloads.Count);
        if (!validation.IsValid)
        {
            validation.ThrowIfInvalid();
        }

        for (var i = 0; i < payloads.Count; i++)
        {
            var field = batch ? $"payloads[{i}]" : "payload";
            var before = validation.Count;
            var subject = purpose switch
            {
                KeyPurpose.License => License(payloads[i].Span, typ, field, validation, now),
                KeyPurpose.Feed => typ == FilterType ? Filter(payloads[i].Span, field, validation, now) : Feed(payloads[i].Span, field, validation, now),
                _ => Attestation(payloads[i].Span, field, validation, now),
            };
            if (validation.Count == before && subject.ExpiresAt > expiresAt!.Value)
            {
                validation.Fail(field, $"rule expiry-covers: the payload is valid until {subject.ExpiresAt:u}, after expires_at {expiresAt:u}; expires_at must cover what is signed");
            }

            subjects.Add(subject);
        }

        if (batch && payloads.Count > 1 && subjects.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != subjects.Count && validation.IsValid)
        {
            validation.Fail("payloads", "rule subject-once: one batch signs each subject (license id) at most once");
        }

        validation.ThrowIfInvalid();
        return subjects;
    }

    public static IReadOnlyList<string> AllowedTypes(KeyPurpose purpose) => purpose switch
    {
        KeyPurpose.License => [LicenseType, FluxLicenseType],
        KeyPurpose.Feed => [FeedType, FilterType],
        KeyPurpose.Attestation => [AttestationType],
        _ => [],
    };

    private Subject License(ReadOnlySpan<byte> payload, string typ, string field, RequestValidation validation, DateTimeOffset now)
    {
        LicenseClaims claims;
        try
        {
            claims = LicenseClaims.Parse(payload);
        }
        catch (FeedFormatException e)
        {
            validation.Fail(field, $"rule license-claims: not a license claim set ({e.Message})");
            return new Subject("-", now);
        }

        if (typ == FluxLicenseType)
        {
            // The Flux format: the Flux Operator's verifier requires a UUIDv6 jti and reads aud as an array.
            validation.Require(UuidV6.IsVersion6(claims.LicenseId), $"{field}.jti", "rule license-jti: a Flux-format (typ JWT) license id is a UUIDv6");
            validation.Require(AudienceIsArray(payload), $"{field}.aud", "rule license-flux-aud: a Flux-format (typ JWT) license key's aud is an array");
        }
        else
        {
            validation.Require(UuidV7.IsVersion7(claims.LicenseId), $"{field}.jti", "rule license-jti: a license id is a UUIDv7");
        }

        validation.Require(claims.Issuer == limits.Issuer, $"{field}.iss", $"rule license-issuer: must be this ledger's issuer '{limits.Issuer}', not '{Printable(claims.Issuer)}'");
        validation.Require(claims.ExpiresAt > claims.NotBefore, $"{field}.exp", "rule license-lifetime: exp must be after nbf");
        validation.Require(claims.ExpiresAt <= now + limits.MaxLicenseExpiry, $"{field}.exp",
            $"rule license-expiry-cap: a license expires at most {limits.MaxLicenseExpiry.TotalDays:0} days from now");
        validation.Require(claims.IssuedAt <= now + Skew, $"{field}.iat", "rule license-iat: a license is not issued in the future");
        return new Subject(claims.LicenseId.ToString(), claims.ExpiresAt);
    }

    private static bool AudienceIsArray(ReadOnlySpan<byte> payload)
    {
        using var document = JsonDocument.Parse(payload.ToArray());
        return document.RootElement.TryGetProperty("aud", out var aud) && aud.ValueKind == JsonValueKind.Array;
    }

    private Subject Feed(ReadOnlySpan<byte> payload, string field, RequestValidation validation, DateTimeOffset now) =>
        FeedOrFilter("feed", static p => RevocationFeedPayload.Parse(p) is var f ? (f.Issuer, f.IssuedAt, f.ExpiresAt, f.Version) : default, payload, field, validation, now);

    private Subject Filter(ReadOnlySpan<byte> payload, string field, RequestValidation validation, DateTimeOffset now) =>
        FeedOrFilter("filter", static p => RevocationFilterPayload.Parse(p) is var f ? (f.Issuer, f.IssuedAt, f.ExpiresAt, f.Version) : default, payload, field, validation, now);

    private delegate (string Issuer, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, long Version) FeedClaims(ReadOnlySpan<byte> payload);

    /// <summary>A feed and a filter obey the same rules: parse under the feed rules, this ledger's issuer, a bounded lifetime.</summary>
    private Subject FeedOrFilter(string kind, FeedClaims parse, ReadOnlySpan<byte> payload, string field, RequestValidation validation, DateTimeOffset now)
    {
        (string Issuer, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, long Version) claims;
        try
        {
            claims = parse(payload);
        }
        catch (FeedFormatException e)
        {
            validation.Fail(field, $"rule feed-format: not a revocation {kind} payload ({e.Message})");
            return new Subject("-", now);
        }

        FeedCommon(claims.Issuer, claims.IssuedAt, claims.ExpiresAt, field, validation, now);
        return new Subject(SignatureLogEntry.FeedSubject(kind, claims.Version), claims.ExpiresAt, claims.Version);
    }

    private void FeedCommon(string issuer, DateTimeOffset issuedAt, DateTimeOffset expiresAt, string field, RequestValidation validation, DateTimeOffset now)
    {
        validation.Require(issuer == limits.Issuer, $"{field}.iss", $"rule feed-issuer: must be this ledger's issuer '{limits.Issuer}', not '{Printable(issuer)}'");
        // A feed's iat is the start of Revocation's refresh window (the same on every replica, docs/FEEDS.md),
        // so it may lie in the past; never in the future, and a feed is signed only while it is still live.
        validation.Require(issuedAt <= now + Skew && expiresAt > now, $"{field}.iat",
            "rule feed-iat: a feed is not issued in the future (iat at most 2 minutes after now) and is signed while it is live (exp after now)");
        validation.Require(expiresAt - issuedAt <= limits.MaxFeedLifetime && expiresAt > issuedAt, $"{field}.exp",
            $"rule feed-lifetime: a feed lives at most {limits.MaxFeedLifetime.TotalSeconds:0} seconds after iat");
    }

    private Subject Attestation(ReadOnlySpan<byte> payload, string field, RequestValidation validation, DateTimeOffset now)
    {
        try
        {
            using var document = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("not a JSON object");
            }

            var jti = Text(root, "jti");
            var iss = Text(root, "iss");
            var kind = Text(root, "kind");
            validation.Require(Guid.TryParse(jti, out var id) && jti.Length == 36 && UuidV7.IsVersion7(id), $"{field}.jti", "rule attestation-jti: an attestation id is a UUIDv7");
            validation.Require(iss == limits.Issuer, $"{field}.iss", $"rule attestation-issuer: must be this ledger's issuer '{limits.Issuer}'");
            validation.Require(kind is "artifacts" or "manifest", $"{field}.kind", "rule attestation-kind: 'artifacts' or 'manifest'");
            var issuedAt = Seconds(root, "iat") ?? throw new JsonException("'iat' is required");
            validation.Require(issuedAt <= now + Skew, $"{field}.iat", "rule attestation-iat: not issued in the future");
            var expires = Seconds(root, "exp");
            if (expires is { } exp)
            {
                validation.Require(exp > issuedAt && exp <= now + limits.MaxAttestationExpiry, $"{field}.exp",
                    $"rule attestation-lifetime: exp after iat and at most {limits.MaxAttestationExpiry.TotalDays:0} days ahead");
            }

            return new Subject(jti, expires ?? now);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            validation.Fail(field, $"rule attestation-statement: not an attestation statement ({e.Message})");
            return new Subject("-", now);
        }
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new JsonException($"'{name}' is required, a string");

    private static DateTimeOffset? Seconds(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds is >= 0 and <= 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new JsonException($"'{name}' is Unix seconds, an integer");
    }

    private static string Printable(string value) =>
        new(value.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

/// <summary>Settings under Ledger:Notary:Limits (and the ledger's issuer, Ledger:Issuance:Issuer), documented in docs/SECURITY.md.</summary>
public sealed record SigningLimits(string Issuer, TimeSpan MaxLicenseExpiry, TimeSpan MaxFeedLifetime, TimeSpan MaxAttestationExpiry)
{
    public const string Section = "Ledger:Notary:Limits";

    /// <summary>Issuance allows 3650 days of validity starting up to 366 days ahead (so license keys expire at most 4016 days ahead); attestations up to 10 years; feeds 7 days (Revocation signs 24 h ones).</summary>
    public static readonly SigningLimits Default = new(LedgerIssuer.Default, TimeSpan.FromDays(3650 + 366), TimeSpan.FromDays(7), TimeSpan.FromDays(3653));

    public static SigningLimits From(LedgerIssuer issuer, Settings settings) => new(
        issuer.Name,
        TimeSpan.FromDays(settings.LicenseExpiryDays),
        TimeSpan.FromSeconds(settings.FeedLifetimeSeconds),
        TimeSpan.FromDays(settings.AttestationExpiryDays));

    /// <summary>The caps as bound from <see cref="Section"/>, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        /// <summary>100 years: far beyond any license or attestation, and far from the end of the calendar.</summary>
        public const double MaxExpiryDays = 36500;

        // One limit, shared with every verifier (FeedOptions): a feed they would refuse is never signed.
        private static readonly double MaxFeedLifetimeSeconds = FeedOptions.DefaultMaxFeedLifetime.TotalSeconds;

        public double LicenseExpiryDays { get; set; } = Default.MaxLicenseExpiry.TotalDays;

        public double FeedLifetimeSeconds { get; set; } = Default.MaxFeedLifetime.TotalSeconds;

        public double AttestationExpiryDays { get; set; } = Default.MaxAttestationExpiry.TotalDays;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!(LicenseExpiryDays is >= 1 and <= MaxExpiryDays))
            {
                yield return ("LicenseExpiryDays", $"must be from 1 to {MaxExpiryDays} days (was {LicenseExpiryDays})");
            }

            if (!(FeedLifetimeSeconds >= 60 && FeedLifetimeSeconds <= MaxFeedLifetimeSeconds))
            {
                yield return ("FeedLifetimeSeconds", $"must be from 60 to {MaxFeedLifetimeSeconds:F0} seconds (7 days: verifiers refuse a feed that lives longer) (was {FeedLifetimeSeconds})");
            }

            if (!(AttestationExpiryDays is >= 1 and <= MaxExpiryDays))
            {
                yield return ("AttestationExpiryDays", $"must be from 1 to {MaxExpiryDays} days (was {AttestationExpiryDays})");
            }
        }
    }
}
