using System.Text.RegularExpressions;

namespace Ledger.Crypto;

/// <summary>
/// An OCI artifact pinned by digest: <c>registry/name[:tag]@sha256:&lt;64 hex&gt;</c>, in the grammar of
/// the distribution reference (lowercase path components, optional registry host and port, tag up to
/// 128 characters). The one parser of OCI references in Ledger, used by the Attestation service and by
/// ledgerctl. A tag alone is never attested: tags move, digests do not (ledgerctl resolves a tag to
/// its digest by asking the registry first, see <see cref="TryParseName"/>). Names are kept exactly as
/// written, with no docker.io defaulting, so what is signed is what was given.
/// </summary>
public sealed partial record ArtifactReference(string Repository, string? Tag, string Digest)
{
    public const int MaxLength = 512;
    public const int MaxRepositoryLength = 255;
    public const string DigestPrefix = "sha256:";
    public const string Example = "ghcr.io/acme/app:1.4.0@sha256:<64 hex>";

    /// <summary>The prefix Flux accepts before a reference (<c>oci://ghcr.io/...</c>); it is not part of the name.</summary>
    public const string OciScheme = "oci://";

    /// <summary>The registry of Docker Hub, where a name without a registry host lives.</summary>
    public const string DockerHub = "docker.io";

    /// <summary>The reference as attested: repository, tag when there is one, digest.</summary>
    public override string ToString() => Tag is null ? $"{Repository}@{Digest}" : $"{Repository}:{Tag}@{Digest}";

    /// <summary>The registry host[:port] the repository names, or <see cref="DockerHub"/> when it names none.</summary>
    public string Registry => RegistryOf(Repository).Registry;

    /// <summary>The repository path within its registry (Docker Hub's one-component names get <c>library/</c>).</summary>
    public string Path => RegistryOf(Repository).Path;

    /// <param name="problem">When false: what is wrong and how to write it, for a field violation.</param>
    public static bool TryParse(string text, out ArtifactReference reference, out string problem)
    {
        reference = null!;
        if (!TryParseName(text, out var repository, out var tag, out var digest, out problem))
        {
            return false;
        }

        if (digest is null)
        {
            problem = tag is null
                ? $"'{Printable(text)}' has no digest; give the repository with its sha256 digest, e.g. {Example}"
                : $"'{Printable(text)}' has a tag but no digest; a tag can be moved, so only digests are attested. Append the digest the tag points at now (e.g. from `crane digest`): {Example}";
            return false;
        }

        reference = new ArtifactReference(repository, tag, digest);
        return true;
    }

    /// <summary>
    /// Parses <c>registry/name[:tag][@sha256:...]</c> where the digest may be missing (to be resolved from
    /// the registry). Checks the same grammar as <see cref="TryParse"/>.
    /// </summary>
    public static bool TryParseName(string text, out string repository, out string? tag, out string? digest, out string problem)
    {
        repository = string.Empty;
        tag = null;
        digest = null;
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = $"required: an OCI reference with its digest, e.g. {Example}";
            return false;
        }

        if (text.Length > MaxLength)
        {
            problem = $"at most {MaxLength} characters; this reference has {text.Length}";
            return false;
        }

        var at = text.LastIndexOf('@');
        var nameAndTag = at < 0 ? text : text[..at];
        (repository, tag) = SplitTag(nameAndTag);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            if (!IsDigest(digest, out var digestProblem))
            {
                problem = digestProblem;
                return false;
            }
        }

        if (repository.Length is 0 or > MaxRepositoryLength || !IsRepository(repository))
        {
            problem = $"repository '{Printable(repository)}' is not an OCI name: an optional registry host[:port], then lowercase path components of a-z and 0-9 joined by '.', '_', '__' or '-', separated by '/', at most {MaxRepositoryLength} characters";
            return false;
        }

        if (tag is not null && !TagPattern().IsMatch(tag))
        {
            problem = $"tag '{Printable(tag)}' is not an OCI tag: 1 to 128 of A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-'";
            return false;
        }

        return true;
    }

    /// <summary>Splits a repository into its registry (default <see cref="DockerHub"/>) and path.</summary>
    public static (string Registry, string Path) RegistryOf(string repository)
    {
        var slash = repository.IndexOf('/');
        if (slash > 0 && LooksLikeHost(repository[..slash]))
        {
            return (repository[..slash], repository[(slash + 1)..]);
        }

        return (DockerHub, repository.Contains('/', StringComparison.Ordinal) ? repository : "library/" + repository);
    }

    /// <summary>A SHA-256 digest as OCI writes it: <c>sha256:</c> and 64 lowercase hex characters.</summary>
    public static bool IsDigest(string digest, out string problem)
    {
        problem = "";
        if (!digest.StartsWith(DigestPrefix, StringComparison.Ordinal))
        {
            var algorithm = digest.Contains(':', StringComparison.Ordinal) ? digest[..digest.IndexOf(':', StringComparison.Ordinal)] : digest;
            problem = $"digest must be sha256:<64 lowercase hex>; '{Printable(algorithm)}' is not accepted";
            return false;
        }

        var hex = digest[DigestPrefix.Length..];
        if (hex.Length != 64 || !hex.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            problem = $"digest '{Printable(digest)}' must have exactly 64 lowercase hex characters after 'sha256:' (it has {hex.Length} characters{(hex.Any(c => c is >= 'A' and <= 'F') ? ", some uppercase" : "")})";
            return false;
        }

        return true;
    }

    /// <summary>Attacker-sized or control-laden text is not echoed back whole.</summary>
    public static string Printable(string value) =>
        value.Length <= 120 && value.All(c => c is >= ' ' and <= '~') ? value : $"({value.Length} characters, shortened) {new string(value.Take(40).Where(c => c is >= ' ' and <= '~').ToArray())}...";

    // A ':' after the last '/' starts a tag; one before it belongs to a registry port.
    private static (string Repository, string? Tag) SplitTag(string nameAndTag)
    {
        var colon = nameAndTag.LastIndexOf(':');
        return colon > nameAndTag.LastIndexOf('/') ? (nameAndTag[..colon], nameAndTag[(colon + 1)..]) : (nameAndTag, null);
    }

    // As in the distribution reference: the first component is a registry when it looks like a host.
    private static bool LooksLikeHost(string component) =>
        component.Contains('.', StringComparison.Ordinal) || component.Contains(':', StringComparison.Ordinal) || component == "localhost";

    private static bool IsRepository(string repository)
    {
        var components = repository.Split('/');
        var first = 0;
        if (components.Length > 1 && LooksLikeHost(components[0]))
        {
            if (!RegistryPattern().IsMatch(components[0]))
            {
                return false;
            }

            first = 1;
        }

        return components.Skip(first).All(c => PathComponentPattern().IsMatch(c));
    }

    [GeneratedRegex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*(?::[0-9]{1,5})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathComponentPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
