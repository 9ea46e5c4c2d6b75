using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Attestation.Statements;

public enum AttestationKind
{
    Artifacts,
    Manifest,
}

/// <summary>A manifest directory as attested: its name, its h1 digest, and the suffixes left out of the hash.</summary>
public sealed record ManifestSubject(string Name, string Digest, IReadOnlyList<string> Ignore);

/// <summary>
/// The signed payload of an attestation (docs/ARCHITECTURE.md, Attestation). One format whoever
/// writes it, the ledger or a vendor: <c>jti</c> (the attestation id, a UUIDv7), <c>iss</c>,
/// <c>vendor</c> when a vendor signs it too, <c>iat</c>, <c>exp</c> when it expires, <c>kind</c>, and
/// the subjects: <c>subjects</c> (OCI references with digests) or <c>manifest</c>
/// (<c>name</c>, <c>digest</c>, <c>ignore</c>). Read strictly: no other member, none twice.
/// </summary>
public sealed record AttestationStatement(
    Guid Id,
    string Issuer,
    string? Vendor,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpiresAt,
    AttestationKind Kind,
    IReadOnlyList<ArtifactReference> Artifacts,
    ManifestSubject? Manifest)
{
    public const string TokenType = "attestation+jwt";

    private static readonly string[] Members = ["jti", "iss", "vendor", "iat", "exp", "kind", "subjects", "manifest"];
    private static readonly string[] ManifestMembers = ["name", "digest", "ignore"];
    private static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 8,
    };

    /// <summary>What the statement is about, as text: the references, or the manifest's h1 digest.</summary>
    public IReadOnlyList<string> Subjects =>
        Kind == AttestationKind.Artifacts ? [.. Artifacts.Select(a => a.ToString())] : [Manifest!.Digest];

    public static string KindName(AttestationKind kind) => kind == AttestationKind.Artifacts ? "artifacts" : "manifest";

    /// <summary>Compact JSON, members in the documented order; times in whole Unix seconds.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("jti", Id.ToString("D"));
            json.WriteString("iss", Issuer);
            if (Vendor is not null)
            {
                json.WriteString("vendor", Vendor);
            }

            json.WriteNumber("iat", IssuedAt.ToUnixTimeSeconds());
            if (ExpiresAt is { } expiresAt)
            {
                json.WriteNumber("exp", expiresAt.ToUnixTimeSeconds());
            }

            json.WriteString("kind", KindName(Kind));
            if (Kind == AttestationKind.Artifacts)
            {
                json.WriteStartArray("subjects");
                foreach (var artifact in Artifacts)
                {
                    json.WriteStringValue(artifact.ToString());
                }

                json.WriteEndArray();
            }
            else
            {
                json.WriteStartObject("manifest");
                json.WriteString("name", Manifest!.Name);
                json.WriteString("digest", Manifest.Digest);
                json.WriteStartArray("ignore");
                foreach (var suffix in Manifest.Ignore)
                {
                    json.WriteStringValue(suffix);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <exception cref="StatementFormatException">Every field that breaks the format, each with what is wrong.</exception>
    public static AttestationStatement Parse(ReadOnlySpan<byte> utf8)
    {
        // The JSON reader checks UTF-8 only when a string is read; check it all first, so bad bytes are a format error.
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            throw new StatementFormatException("", "not UTF-8 JSON; a statement is one JSON object in UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), ReadOptions);
        }
        catch (JsonException e)
        {
            throw new StatementFormatException("", $"not one JSON object with each member once ({e.Message})");
        }

        using (document)
        {
            return Read(document.RootElement);
        }
    }

    private static AttestationStatement Read(JsonElement root)
    {
        var violations = new List<(string, string)>();
        void Fail(string field, string problem) => violations.Add((field, problem));

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new StatementFormatException("", $"a statement is a JSON object, not {root.ValueKind}");
        }

        foreach (var member in root.EnumerateObject().Where(m => !Members.Contains(m.Name)))
        {
            Fail(ArtifactReference.Printable(member.Name), $"not a statement member; a statement has exactly {string.Join(", ", Members)}");
        }

        var id = Guid.Empty;
        if (Text(root, "jti", Fail) is { } jti && !(Guid.TryParseExact(jti, "D", out id) && jti == id.ToString("D") && UuidV7.IsVersion7(id)))
        {
            Fail("jti", "the attestation id: a UUIDv7 in lowercase 8-4-4-4-12 form, new for every statement");
        }

        var issuer = Text(root, "iss", Fail);
        if (issuer is not null && (issuer.Length is 0 or > StatementLimits.MaxIssuerLength || issuer.Any(char.IsControl)))
        {
            Fail("iss", $"1 to {StatementLimits.MaxIssuerLength} characters without control characters: the ledger's issuer name");
        }

        string? vendor = null;
        if (root.TryGetProperty("vendor", out _))
        {
            vendor = Text(root, "vendor", Fail);
            if (vendor is not null && !StatementLimits.IsVendorId(vendor))
            {
                Fail("vendor", StatementLimits.VendorIdRule);
            }
        }

        var issuedAt = Seconds(root, "iat", required: true, Fail);
        var expiresAt = Seconds(root, "exp", required: false, Fail);
        if (issuedAt is { } iat && expiresAt is { } exp && exp <= iat)
        {
            Fail("exp", "must be after iat");
        }

        var kind = Text(root, "kind", Fail) switch
        {
            null => (AttestationKind?)null,
            "artifacts" => AttestationKind.Artifacts,
            "manifest" => AttestationKind.Manifest,
            _ => Invalid("kind", "\"artifacts\" or \"manifest\"", Fail),
        };

        IReadOnlyList<ArtifactReference> artifacts = [];
        ManifestSubject? manifest = null;
        if (kind == AttestationKind.Artifacts)
        {
            Forbid(root, "manifest", "an artifacts statement lists its subjects in 'subjects', not 'manifest'", Fail);
            if (Strings(root, "subjects", Fail) is { } subjects)
            {
                artifacts = SubjectRules.Artifacts(subjects, "subjects", Fail);
            }
        }
        else if (kind == AttestationKind.Manifest)
        {
            Forbid(root, "subjects", "a manifest statement describes its directory in 'manifest', not 'subjects'", Fail);
            manifest = ReadManifest(root, Fail);
        }

        if (violations.Count > 0)
        {
            throw new StatementFormatException(violations);
        }

        return new AttestationStatement(id, issuer!, vendor, issuedAt!.Value, expiresAt, kind!.Value, artifacts, manifest);
    }

    private static ManifestSubject? ReadManifest(JsonElement root, Violation fail)
    {
        if (!root.TryGetProperty("manifest", out var manifest) || manifest.ValueKind != JsonValueKind.Object)
        {
            fail("manifest", "required for kind \"manifest\": an object with name, digest and ignore");
            return null;
        }

        foreach (var member in manifest.EnumerateObject().Where(m => !ManifestMembers.Contains(m.Name)))
        {
            fail($"manifest.{ArtifactReference.Printable(member.Name)}", $"not a manifest member; a manifest has exactly {string.Join(", ", ManifestMembers)}");
        }

        var name = Text(manifest, "name", fail, "manifest.");
        if (name is not null)
        {
            SubjectRules.ManifestName(name, "manifest.name", fail);
        }

        var digest = Text(manifest, "digest", fail, "manifest.");
        if (digest is not null)
        {
            SubjectRules.ManifestDigest(digest, "manifest.digest", fail);
        }

        IReadOnlyList<string> ignore = [];
        if (manifest.TryGetProperty("ignore", out _) && Strings(manifest, "ignore", fail, "manifest.") is { } suffixes)
        {
            ignore = SubjectRules.Ignore(suffixes, "manifest.ignore", fail);
        }

        return name is null || digest is null ? null : new ManifestSubject(name, digest, ignore);
    }

    private static string? Text(JsonElement obj, string member, Violation fail, string path = "")
    {
        if (!obj.TryGetProperty(member, out var value))
        {
            fail(path + member, "required");
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            fail(path + member, $"must be a string, not {value.ValueKind}");
            return null;
        }

        return value.GetString();
    }

    private static List<string>? Strings(JsonElement obj, string member, Violation fail, string path = "")
    {
        if (!obj.TryGetProperty(member, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            fail(path + member, "required: an array of strings");
            return null;
        }

        var items = new List<string>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                fail($"{path}{member}[{index}]", $"must be a string, not {item.ValueKind}");
                return null;
            }

            items.Add(item.GetString()!);
            index++;
        }

        return items;
    }

    private static DateTimeOffset? Seconds(JsonElement obj, string member, bool required, Violation fail)
    {
        if (!obj.TryGetProperty(member, out var value))
        {
            if (required)
            {
                fail(member, "required: Unix seconds");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds) || seconds < 0 || seconds > MaxSeconds)
        {
            fail(member, "must be a whole number of Unix seconds (no fraction, no exponent)");
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static void Forbid(JsonElement obj, string member, string problem, Violation fail)
    {
        if (obj.TryGetProperty(member, out _))
        {
            fail(member, problem);
        }
    }

    private static AttestationKind? Invalid(string field, string expected, Violation fail)
    {
        fail(field, $"must be {expected}");
        return null;
    }
}

/// <summary>A statement that breaks the format; <see cref="Violations"/> names each field (empty for the whole statement).</summary>
public sealed class StatementFormatException : Exception
{
    public StatementFormatException(IReadOnlyList<(string Field, string Problem)> violations)
        : base("The statement breaks the format: " + string.Join("; ", violations.Select(v => v.Field.Length == 0 ? v.Problem : $"{v.Field}: {v.Problem}")))
    {
        Violations = violations;
    }

    public StatementFormatException(string field, string problem)
        : this([(field, problem)])
    {
    }

    public IReadOnlyList<(string Field, string Problem)> Violations { get; }
}
