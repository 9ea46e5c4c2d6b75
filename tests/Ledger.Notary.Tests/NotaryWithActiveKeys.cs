using KeysClient = Ledger.Contracts.Notary.V1.Keys.KeysClient;
using SigningClient = Ledger.Contracts.Notary.V1.Signing.SigningClient;
using Ledger.Testing;

namespace Ledger.Notary.Tests;

/// <summary>A Notary on its own database and virtual host, started once, every ring with an active key.</summary>
public sealed class NotaryWithActiveKeys : LedgerServices
{
    public string RootKey => NotaryRootKey;

    public SigningClient Signing { get; private set; } = null!;

    public KeysClient Keys { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Signing = new SigningClient(Notary.CreateChannel());
        Keys = new KeysClient(Notary.CreateChannel());
    }
}
