using System.CommandLine;

namespace Ledger.Cli.Commands.Verify;

/// <summary><c>ledgerctl verify license-key|manifests|artifacts</c>: offline verification; exit 1 with the verdict when it fails.</summary>
internal static class VerifyCommands
{
    public static Command Create()
    {
        var verify = new CliCommand("verify", "Verify offline: license keys, manifest and artifact attestations. Exit 1 (with the verdict) when verification fails.",
            "ledgerctl verify license-key customer-42.jwt --key keys/bc530bc4-sig-public.jwks --audience acme-app");
        verify.Add(VerifyLicenseKeyCommand.Create());
        verify.Add(VerifyAttestationCommands.Manifests());
        verify.Add(VerifyAttestationCommands.Artifacts());
        return verify;
    }
}
