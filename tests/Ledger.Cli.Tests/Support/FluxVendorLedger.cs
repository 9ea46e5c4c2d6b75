using Ledger.Testing;
using Ledger.Testing.Processes;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// The four services as real processes, run by a vendor moving from Flux: the ledger's issuer is the
/// issuer of the vendor's Flux signing key (the walkthrough's), so its feeds and revocations.json
/// speak for the license keys the vendor signed with Flux.
/// </summary>
public sealed class FluxVendorLedger : LedgerProcesses
{
    public const string FluxIssuer = "https://fluxcd.control-plane.io";

    /// <summary>ledgerctl pointed at these services, calling as the admin client (every role).</summary>
    public Ledgerctl Tool(Workspace workspace) => new Ledgerctl(workspace.Directory)
        .With("LEDGER_NOTARY_URL", Notary.GrpcUrl)
        .With("LEDGER_ISSUANCE_URL", Issuance.GrpcUrl)
        .With("LEDGER_REVOCATION_URL", Revocation.GrpcUrl)
        .With("LEDGER_ATTESTATION_URL", Attestation.GrpcUrl)
        .With("LEDGER_CLIENT_KEY", Clients.KeyFile(TestClients.Admin));

    protected override Dictionary<string, string?> SettingsFor(string service, Dictionary<string, string?> extra)
    {
        var settings = base.SettingsFor(service, extra);
        settings["Ledger:Issuance:Issuer"] = FluxIssuer;
        return settings;
    }
}
