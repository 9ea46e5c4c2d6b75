using System.Text.RegularExpressions;

namespace Ledger.Cli.Attestations;

/// <summary>
/// An OCI artifact pinned by digest: <c>registry/name[:tag]@sha256:&lt;64 hex&gt;</c>. Names are
/// compared exactly as written (no docker.io defaulting), as the Attestation service does.
/// </summary>
internal sealed partial record ArtifactReference(string Repository, string? Tag, string Digest)
{
    public const int MaxLength = 512;

    /// <summary>At most this many artifacts per attestation, as the Attestation service allows.</summary>
    public const int MaxCount = 256;

    public static ArtifactReference Parse(string text)
    {
        var at = text.LastIndexOf('@');
        if (text.Length > MaxLength || at <= 0 || !DigestPattern().IsMatch(text[(at + 1)..]))
        {
            throw CliFailure.Usage($"'{Shorten(text)}' is not a reference pinned by digest: write registry/name[:tag]@sha256:<64 lowercase hex> (a tag alone is not enough).");
        }

        var name = text[..at];
        var colon = name.LastIndexOf(':');
        var tag = colon > name.LastIndexOf('/') ? name[(colon + 1)..] : null;
        var repository = tag is null ? name : name[..colon];
        if (!RepositoryPattern().IsMatch(repository) || repository.Contains("//", StringComparison.Ordinal) || (tag is not null && !TagPattern().IsMatch(tag)))
        {
            throw CliFailure.Usage($"'{Shorten(text)}' has an invalid repository or tag: repositories are like ghcr.io/acme/app, tags like v1.2.3.");
        }

        return new ArtifactReference(repository, tag, text[(at + 1)..]);
    }

    /// <summary>The references of repeated --url options, checked, 1 to <see cref="MaxCount"/>, none twice.</summary>
    public static IReadOnlyList<ArtifactReference> ParseAll(string[]? urls)
    {
        var artifacts = (urls ?? []).Select(Parse).ToList();
        if (artifacts.Count is 0 or > MaxCount)
        {
            throw CliFailure.Usage($"Give 1 to {MaxCount} --url references; {artifacts.Count} given.");
        }

        if (artifacts.GroupBy(a => (a.Repository, a.Digest)).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            throw CliFailure.Usage($"{repeated.Key.Repository}@{repeated.Key.Digest} is given twice; list each artifact once.");
        }

        return artifacts;
    }

    public override string ToString() => Tag is null ? $"{Repository}@{Digest}" : $"{Repository}:{Tag}@{Digest}";

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "...";

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}(?<!/)$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();
}
