using Ledger.Crypto;

namespace Ledger.Attestation.Statements;

/// <summary>Reports one problem with one field, named by its path (<c>artifacts[2]</c>, <c>manifest.digest</c>).</summary>
public delegate void Violation(string field, string problem);

/// <summary>
/// What an attested subject must look like, checked the same way for a request the ledger turns into
/// a statement and for a statement a vendor signed: every problem is reported with its field.
/// </summary>
public static class SubjectRules
{
    public const string ManifestDigestPrefix = "h1:";

    /// <summary>1 to 256 references with digests; the same repository and digest once; a tag names one digest.</summary>
    public static IReadOnlyList<ArtifactReference> Artifacts(IReadOnlyList<string> given, string field, Violation fail)
    {
        if (given.Count == 0)
        {
            fail(field, $"required: at least one artifact, each an OCI reference with its digest ({ArtifactReference.Example})");
            return [];
        }

        if (given.Count > StatementLimits.MaxArtifacts)
        {
            fail(field, $"at most {StatementLimits.MaxArtifacts} artifacts per attestation; {given.Count} given (split them over several attestations)");
            return [];
        }

        var parsed = new List<ArtifactReference>();
        var seen = new Dictionary<(string Repository, string Digest), int>();
        var tags = new Dictionary<(string Repository, string Tag), (int Index, string Digest)>();
        for (var i = 0; i < given.Count; i++)
        {
            if (!ArtifactReference.TryParse(given[i], out var reference, out var problem))
            {
                fail($"{field}[{i}]", problem);
                continue;
            }

            if (seen.TryGetValue((reference.Repository, reference.Digest), out var first))
            {
                fail($"{field}[{i}]", $"duplicates {field}[{first}]: {reference.Repository} with digest {reference.Digest} is already listed; list each artifact once");
                continue;
            }

            if (reference.Tag is { } tag && tags.TryGetValue((reference.Repository, tag), out var tagged) && tagged.Digest != reference.Digest)
            {
                fail($"{field}[{i}]", $"tag '{tag}' of {reference.Repository} is already given with digest {tagged.Digest} in {field}[{tagged.Index}]; a tag names one digest, so list it once");
                continue;
            }

            seen[(reference.Repository, reference.Digest)] = i;
            if (reference.Tag is { } newTag)
            {
                tags.TryAdd((reference.Repository, newTag), (i, reference.Digest));
            }

            parsed.Add(reference);
        }

        return parsed;
    }

    public static void ManifestName(string name, string field, Violation fail)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            fail(field, "required: what the directory is, e.g. \"acme/platform-manifests v1.4.0\"");
        }
        else if (name.Length > StatementLimits.MaxManifestNameLength || name.Any(char.IsControl) || name.Trim().Length != name.Length)
        {
            fail(field, $"1 to {StatementLimits.MaxManifestNameLength} characters, no control characters, no leading or trailing spaces");
        }
    }

    /// <summary>Go dirhash Hash1: <c>h1:</c> and the standard base64 of a SHA-256, 44 characters.</summary>
    public static void ManifestDigest(string digest, string field, Violation fail)
    {
        if (!IsManifestDigest(digest))
        {
            fail(field, string.IsNullOrEmpty(digest)
                ? "required: the directory's Go dirhash digest, \"h1:\" + base64 of 32 bytes (ledgerctl or Go's dirhash.HashDir computes it)"
                : $"'{ArtifactReference.Printable(digest)}' is not a Go dirhash digest: \"h1:\" followed by standard base64 (with padding) of a 32-byte SHA-256");
        }
    }

    public static bool IsManifestDigest(string digest)
    {
        if (digest is null || !digest.StartsWith(ManifestDigestPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var encoded = digest[ManifestDigestPrefix.Length..];
        var bytes = new byte[33];
        return Convert.TryFromBase64String(encoded, bytes, out var written) && written == 32
            && string.Equals(Convert.ToBase64String(bytes.AsSpan(0, 32)), encoded, StringComparison.Ordinal);
    }

    /// <summary>File-name suffixes left out of the hash: each once, none with '/' (they match names, not paths).</summary>
    public static IReadOnlyList<string> Ignore(IReadOnlyList<string> given, string field, Violation fail)
    {
        if (given.Count > StatementLimits.MaxIgnoreSuffixes)
        {
            fail(field, $"at most {StatementLimits.MaxIgnoreSuffixes} suffixes; {given.Count} given");
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < given.Count; i++)
        {
            var suffix = given[i];
            if (suffix.Length is 0 or > StatementLimits.MaxSuffixLength || suffix.Contains('/', StringComparison.Ordinal) || suffix.Any(char.IsControl))
            {
                fail($"{field}[{i}]", $"a file-name suffix such as \".sig\": 1 to {StatementLimits.MaxSuffixLength} characters, no '/' and no control characters");
            }
            else if (!seen.Add(suffix))
            {
                fail($"{field}[{i}]", $"'{suffix}' is listed twice; list each suffix once");
            }
        }

        return [.. given];
    }
}
