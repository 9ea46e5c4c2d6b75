using KeysClient = Ledger.Contracts.Notary.V1.Keys.KeysClient;
using SignatureLogClient = Ledger.Contracts.Notary.V1.SignatureLog.SignatureLogClient;
using SigningClient = Ledger.Contracts.Notary.V1.Signing.SigningClient;
using Ledger.Testing;

namespace Ledger.Notary.Tests;

/// <summary>
/// A Notary on its own database and virtual host, started once, every ring with an active key. Signing
/// clients carry the services' identities, one per purpose, as in production.
/// </summary>
public sealed class NotaryWithActiveKeys : LedgerServices
{
    public string RootKey => NotaryRootKey;

    /// <summary>As Issuance: may sign licenses.</summary>
    public SigningClient Licenses { get; private set; } = null!;

    /// <summary>As Revocation: may sign feeds and filters.</summary>
    public SigningClient Feeds { get; private set; } = null!;

    /// <summary>As Attestation: may sign and countersign attestations.</summary>
    public SigningClient Attestations { get; private set; } = null!;

    public KeysClient Keys { get; private set; } = null!;

    /// <summary>As an auditor.</summary>
    public SignatureLogClient Log { get; private set; } = null!;

    public SigningClient SigningAs(string client) => new(Notary.CreateChannel(() => Clients.Mint(client, "notary")));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Licenses = SigningAs(TestClients.Issuance);
        Feeds = SigningAs(TestClients.Revocation);
        Attestations = SigningAs(TestClients.Attestation);
        Keys = new KeysClient(Notary.CreateChannel());
        Log = new SignatureLogClient(Notary.CreateChannel(() => Clients.Mint(TestClients.Auditor, "notary")));
    }
}
