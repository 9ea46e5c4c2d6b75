using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Cli.Attestations;

/// <summary>
/// An attestation made offline with an issuer's own signing key: a compact JWS (typ
/// <see cref="TokenType"/>) over <c>{"kind":"manifest","digest":"h1:...","ignore":[...],"iss":...,"iat":...}</c>
/// or <c>{"kind":"artifacts","artifacts":["ref@sha256:..."],"iss":...,"iat":...}</c>. Its own typ keeps it
/// apart from license keys and from the Attestation service's statements (attestation+jwt).
/// </summary>
internal sealed record OfflineAttestation(string Kind, string Issuer, DateTimeOffset IssuedAt, string? Digest, IReadOnlyList<string> Ignore, IReadOnlyList<ArtifactReference> Artifacts)
{
    public const string TokenType = "offline-attestation+jwt";
    public const string ManifestKind = "manifest";
    public const string ArtifactsKind = "artifacts";
    public const int MaxIgnore = 32;

    private static readonly string[] ManifestMembers = ["kind", "digest", "ignore", "iss", "iat"];
    private static readonly string[] ArtifactsMembers = ["kind", "artifacts", "iss", "iat"];

    public static OfflineAttestation ForManifest(string issuer, DateTimeOffset now, string digest, IReadOnlyList<string> ignore) =>
        new(ManifestKind, issuer, now, digest, ignore, []);

    public static OfflineAttestation ForArtifacts(string issuer, DateTimeOffset now, IReadOnlyList<ArtifactReference> artifacts) =>
        new(ArtifactsKind, issuer, now, null, [], artifacts);

    public string Sign(JsonWebKey key)
    {
        using var signingKey = Ed25519SigningKey.FromJwk(key);
        return Jws.Sign(ToJson(), signingKey, key.Kid!, TokenType);
    }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", Kind);
            if (Kind == ManifestKind)
            {
                json.WriteString("digest", Digest);
                json.WriteStartArray("ignore");
                foreach (var suffix in Ignore)
                {
                    json.WriteStringValue(suffix);
                }

                json.WriteEndArray();
            }
            else
            {
                json.WriteStartArray("artifacts");
                foreach (var artifact in Artifacts)
                {
                    json.WriteStringValue(artifact.ToString());
                }

                json.WriteEndArray();
            }

            json.WriteString("iss", Issuer);
            json.WriteNumber("iat", IssuedAt.ToUnixTimeSeconds());
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a payload whose signature verified; strict: every member present, no other, none twice.</summary>
    public static OfflineAttestation? TryParse(byte[] payload, out string problem)
    {
        problem = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 4 });
            var root = document.RootElement;
            var kind = root.GetProperty("kind").GetString();
            var members = kind == ManifestKind ? ManifestMembers : kind == ArtifactsKind ? ArtifactsMembers : null;
            if (members is null)
            {
                problem = $"unknown kind '{kind}'";
                return null;
            }

            if (root.EnumerateObject().Select(p => p.Name).Except(members).FirstOrDefault() is { } unknown || members.Any(m => !root.TryGetProperty(m, out _)))
            {
                problem = $"a {kind} attestation has exactly the members {string.Join(", ", members)}";
                return null;
            }

            var issuer = root.GetProperty("iss").GetString() ?? throw new InvalidOperationException("iss is not a string");
            var issuedAt = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("iat").GetInt64());
            if (kind == ManifestKind)
            {
                var digest = root.GetProperty("digest").GetString();
                var ignore = root.GetProperty("ignore").EnumerateArray().Select(i => i.GetString() ?? throw new InvalidOperationException("ignore holds a non-string")).ToList();
                if (digest is null || !digest.StartsWith(DirectoryHash.Prefix, StringComparison.Ordinal) || ignore.Count > MaxIgnore)
                {
                    problem = "the digest is not an h1: digest, or the ignore list is too long";
                    return null;
                }

                return ForManifest(issuer, issuedAt, digest, ignore);
            }

            var artifacts = root.GetProperty("artifacts").EnumerateArray()
                .Select(a => ArtifactReference.Parse(a.GetString() ?? throw new InvalidOperationException("artifacts holds a non-string"))).ToList();
            return ForArtifacts(issuer, issuedAt, artifacts);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentOutOfRangeException or CliFailure)
        {
            problem = e.Message;
            return null;
        }
    }
}
