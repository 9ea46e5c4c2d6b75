using System.CommandLine;
using Ledger.Crypto;

namespace Ledger.Cli.Attestations;

/// <summary>The <c>-u/--url</c> and <c>--timeout</c> options of the artifact commands, and the references they name, pinned by digest.</summary>
internal static class ArtifactUrls
{
    public static Option<string[]> Option(string description) =>
        new("--url", "-u") { Description = description, Required = true, HelpName = "REF", AllowMultipleArgumentsPerToken = false };

    public static Option<int> TimeoutOption() =>
        new("--timeout") { Description = "Seconds to wait for an OCI registry when a --url names a tag.", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };

    /// <summary>
    /// The references of repeated (or comma-separated) <c>--url</c> values, 1 to
    /// <see cref="OfflineAttestation.MaxDigests"/>, each pinned: a digest given is kept, a tag is
    /// resolved by its registry.
    /// </summary>
    public static async Task<IReadOnlyList<ArtifactReference>> PinAllAsync(string[]? urls, int timeoutSeconds, CancellationToken cancellation)
    {
        var given = (urls ?? []).SelectMany(u => u.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (given.Count is 0 or > OfflineAttestation.MaxDigests)
        {
            throw CliFailure.Usage($"Give 1 to {OfflineAttestation.MaxDigests} --url references; {given.Count} given.");
        }

        if (timeoutSeconds is < 1 or > 3600)
        {
            throw CliFailure.Usage($"--timeout {timeoutSeconds} is out of range: give 1 to 3600 seconds.");
        }

        var registry = new RegistryDigests(TimeSpan.FromSeconds(timeoutSeconds));
        var pinned = new List<ArtifactReference>();
        foreach (var url in given)
        {
            pinned.Add(await registry.PinAsync(url, cancellation));
        }

        if (pinned.GroupBy(a => (a.Repository, a.Digest)).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            throw CliFailure.Usage($"{repeated.Key.Repository}@{repeated.Key.Digest} is given twice; list each artifact once.");
        }

        return pinned;
    }
}
