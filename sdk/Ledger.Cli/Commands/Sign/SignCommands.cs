using System.CommandLine;

namespace Ledger.Cli.Commands.Sign;

/// <summary><c>ledgerctl sign license-key|manifests|artifacts</c>: offline signing with an issuer's own key.</summary>
internal static class SignCommands
{
    public static Command Create()
    {
        var sign = new CliCommand("sign", "Sign offline with your issuer key: license keys, manifest and artifact attestations.",
            "ledgerctl sign license-key --key keys/bc530bc4-sig-private.jwks --customer customer-42 --duration 365 --audience acme-app --output customer-42.jwt");
        sign.Add(SignLicenseKeyCommand.Create());
        sign.Add(SignAttestationCommands.Manifests());
        sign.Add(SignAttestationCommands.Artifacts());
        return sign;
    }
}
