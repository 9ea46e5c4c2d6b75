using System.CommandLine;

namespace Ledger.Cli.Commands.Revoke;

/// <summary><c>ledgerctl revoke license-key</c>: offline revocation into a revoked set.</summary>
internal static class RevokeCommands
{
    public static Command Create()
    {
        var revoke = new CliCommand("revoke", "Revoke offline: add a license key to its issuer's revoked set. (Online: 'ledgerctl license revoke'.)",
            "ledgerctl revoke license-key customer-42.jwt --key keys/bc530bc4-sig-public.jwks --output revocations.json");
        revoke.Add(RevokeLicenseKeyCommand.Create());
        return revoke;
    }
}
