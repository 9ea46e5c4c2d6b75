using Ledger.Crypto;

namespace Ledger.Cli.Attestations;

/// <summary>A directory's h1 digest (Go dirhash) as the attestation commands compute it.</summary>
internal static class ManifestDigest
{
    public static string Compute(string directory, IReadOnlyCollection<string> ignore)
    {
        try
        {
            return DirectoryHash.Compute(directory, ignore);
        }
        catch (DirectoryHashException e)
        {
            throw CliFailure.Usage(e.Message);
        }
    }
}
