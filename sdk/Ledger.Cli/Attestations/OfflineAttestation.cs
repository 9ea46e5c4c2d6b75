using System.Text.Json;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Attestations;

/// <summary>
/// An attestation made offline with an issuer's own signing key, in the Flux Operator's claim set: a
/// compact JWS (typ <c>JWT</c>) over <c>{"jti":&lt;UUIDv6&gt;,"iss":...,"sub":"artifacts"|"manifests",
/// "aud":["flux-operator"],"iat":...,"nbf":...,"exp":&lt;iat + 999 years&gt;,"digests":[...]}</c>.
/// Artifacts list <c>sha256:</c> digests; manifests one <c>h1:</c> digest (Go dirhash). Ledger adds
/// <c>ignore</c> (the file-name suffixes left out of the hash) only when there are any; Flux ignores it.
/// Attestations from older ledgerctl versions (typ <see cref="LegacyTokenType"/>) are still read.
/// </summary>
internal sealed record OfflineAttestation(string Subject, string Issuer, DateTimeOffset IssuedAt, DateTimeOffset? ExpiresAt, IReadOnlyList<string> Digests, IReadOnlyList<string> Ignore)
{
    public const string LegacyTokenType = "offline-attestation+jwt";
    public const string ManifestsSubject = "manifests";
    public const string ArtifactsSubject = "artifacts";
    public const int MaxIgnore = 32;
    public const int MaxDigests = 256;

    /// <summary>How long an attestation stays valid: what Flux writes (999 years, so in effect forever).</summary>
    public const int ValidityYears = 999;

    private static readonly TimeSpan FutureLeeway = TimeSpan.FromSeconds(30);

    public static OfflineAttestation ForManifests(string issuer, DateTimeOffset now, string digest, IReadOnlyList<string> ignore) =>
        new(ManifestsSubject, issuer, now, now.AddYears(ValidityYears), [digest], ignore);

    public static OfflineAttestation ForArtifacts(string issuer, DateTimeOffset now, IReadOnlyList<ArtifactReference> artifacts) =>
        new(ArtifactsSubject, issuer, now, now.AddYears(ValidityYears), [.. artifacts.Select(a => a.Digest).Distinct(StringComparer.Ordinal)], []);

    public string Sign(JsonWebKey key)
    {
        using var signingKey = Ed25519SigningKey.FromJwk(key);
        return Jws.Sign(ToJson(), signingKey, key.Kid!, LicenseClaims.FluxTokenType);
    }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("jti", UuidV6.NewId(IssuedAt).ToString());
            json.WriteString("iss", Issuer);
            json.WriteString("sub", Subject);
            json.WriteStartArray("aud");
            json.WriteStringValue(LicenseClaims.FluxAudience);
            json.WriteEndArray();
            json.WriteNumber("exp", (ExpiresAt ?? IssuedAt.AddYears(ValidityYears)).ToUnixTimeSeconds());
            json.WriteNumber("nbf", IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber("iat", IssuedAt.ToUnixTimeSeconds());
            json.WriteStartArray("digests");
            foreach (var digest in Digests)
            {
                json.WriteStringValue(digest);
            }

            json.WriteEndArray();
            if (Ignore.Count > 0)
            {
                json.WriteStartArray("ignore");
                foreach (var suffix in Ignore)
                {
                    json.WriteStringValue(suffix);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Reads the claims of a Flux-format attestation whose signature verified, with the checks the Flux
    /// verifier makes: a UUID <c>jti</c>, non-empty <c>iss</c>, <c>sub</c> and <c>aud</c>, <c>iat</c>/<c>nbf</c>
    /// at most 30 s ahead, <c>exp</c> not passed, and digests of the subject's kind.
    /// </summary>
    public static OfflineAttestation? TryParse(byte[] payload, DateTimeOffset now, out string problem)
    {
        problem = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 4 });
            var root = document.RootElement;
            if (!UuidV7.TryParse(root.GetProperty("jti").GetString(), out _))
            {
                problem = "'jti' is not a UUIDv6 (or v7)";
                return null;
            }

            var issuer = root.GetProperty("iss").GetString();
            var subject = root.GetProperty("sub").GetString();
            var audience = root.GetProperty("aud");
            var hasAudience = audience.ValueKind == JsonValueKind.String ? audience.GetString() is { Length: > 0 } : audience.ValueKind == JsonValueKind.Array && audience.GetArrayLength() > 0;
            if (string.IsNullOrEmpty(issuer) || !hasAudience || subject is not (ManifestsSubject or ArtifactsSubject))
            {
                problem = $"'iss' and 'aud' must be set and 'sub' must be '{ArtifactsSubject}' or '{ManifestsSubject}'";
                return null;
            }

            var issuedAt = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("iat").GetInt64());
            var notBefore = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("nbf").GetInt64());
            var expiresAt = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64());
            if (issuedAt > now + FutureLeeway || notBefore > now + FutureLeeway)
            {
                problem = $"it is dated in the future (iat {Json.Time(issuedAt)}, nbf {Json.Time(notBefore)}); check the clocks";
                return null;
            }

            if (expiresAt <= now)
            {
                problem = $"it expired at {Json.Time(expiresAt)}";
                return null;
            }

            var digests = root.GetProperty("digests").EnumerateArray().Select(d => d.GetString() ?? throw new InvalidOperationException("digests holds a non-string")).ToList();
            var ignore = root.TryGetProperty("ignore", out var ignored)
                ? ignored.EnumerateArray().Select(i => i.GetString() ?? throw new InvalidOperationException("ignore holds a non-string")).ToList()
                : [];
            var wellFormed = subject == ManifestsSubject
                ? digests.Count == 1 && digests[0].StartsWith(DirectoryHash.Prefix, StringComparison.Ordinal) && ignore.Count <= MaxIgnore
                : digests.Count is > 0 and <= MaxDigests && digests.All(d => ArtifactReference.IsDigest(d, out _)) && ignore.Count == 0;
            if (!wellFormed)
            {
                problem = subject == ManifestsSubject
                    ? "a manifests attestation has exactly one h1: digest"
                    : $"an artifacts attestation has 1-{MaxDigests} sha256: digests";
                return null;
            }

            return new OfflineAttestation(subject, issuer, issuedAt, expiresAt, digests, ignore);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentOutOfRangeException)
        {
            problem = e.Message;
            return null;
        }
    }

    /// <summary>Reads an attestation of an older ledgerctl: <c>{"kind":"manifest"|"artifacts",...,"iss","iat"}</c>.</summary>
    public static OfflineAttestation? TryParseLegacy(byte[] payload, out string problem)
    {
        problem = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 4 });
            var root = document.RootElement;
            var kind = root.GetProperty("kind").GetString();
            var issuer = root.GetProperty("iss").GetString() ?? throw new InvalidOperationException("iss is not a string");
            var issuedAt = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("iat").GetInt64());
            if (kind == "manifest")
            {
                var digest = root.GetProperty("digest").GetString() ?? string.Empty;
                var ignore = root.GetProperty("ignore").EnumerateArray().Select(i => i.GetString() ?? throw new InvalidOperationException("ignore holds a non-string")).ToList();
                return digest.StartsWith(DirectoryHash.Prefix, StringComparison.Ordinal) && ignore.Count <= MaxIgnore
                    ? new OfflineAttestation(ManifestsSubject, issuer, issuedAt, null, [digest], ignore)
                    : Refuse("the digest is not an h1: digest, or the ignore list is too long", out problem);
            }

            if (kind == ArtifactsSubject)
            {
                var digests = new List<string>();
                foreach (var item in root.GetProperty("artifacts").EnumerateArray())
                {
                    if (!ArtifactReference.TryParse(item.GetString() ?? string.Empty, out var reference, out var referenceProblem))
                    {
                        return Refuse(referenceProblem, out problem);
                    }

                    digests.Add(reference.Digest);
                }

                return new OfflineAttestation(ArtifactsSubject, issuer, issuedAt, null, digests, []);
            }

            return Refuse($"unknown kind '{kind}'", out problem);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentOutOfRangeException)
        {
            problem = e.Message;
            return null;
        }
    }

    private static OfflineAttestation? Refuse(string reason, out string problem)
    {
        problem = reason;
        return null;
    }
}
