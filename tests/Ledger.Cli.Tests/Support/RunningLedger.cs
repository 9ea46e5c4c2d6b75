using System.Text.Json.Nodes;
using Ledger.Testing;
using Ledger.Testing.Processes;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// The four services running as real processes (<see cref="LedgerProcesses"/>), with an auditor
/// client made by ledgerctl itself registered before they start, so ledgerctl can reach them over
/// h2c like a user does.
/// </summary>
public sealed class RunningLedger : LedgerProcesses
{
    private readonly Workspace _workspace = new();

    /// <summary>
    /// A client key made by <c>ledgerctl keygen client</c> (privkey.json, as <c>flux mirror keygen</c>
    /// writes it), registered by its kid with the auditor role only.
    /// </summary>
    public string AuditorKeyFile => _workspace["auditor/privkey.json"];

    /// <summary>ledgerctl pointed at these services, calling as the admin client (every role).</summary>
    public Ledgerctl Tool(Workspace workspace) => new Ledgerctl(workspace.Directory)
        .With("LEDGER_NOTARY_URL", Notary.GrpcUrl)
        .With("LEDGER_ISSUANCE_URL", Issuance.GrpcUrl)
        .With("LEDGER_REVOCATION_URL", Revocation.GrpcUrl)
        .With("LEDGER_ATTESTATION_URL", Attestation.GrpcUrl)
        .With("LEDGER_CLIENT_KEY", Clients.KeyFile(TestClients.Admin));

    /// <summary>Adds a client key made by the tool itself to the registry the services read at start.</summary>
    protected override async Task BeforeStartAsync()
    {
        var made = (await _workspace.RunAsync("keygen", "client", "-o", "auditor", "--output-format", "json")).Expect(0);
        var entry = made.Json["registration"]!.AsObject();
        entry["roles"] = new JsonArray("auditor");
        var registry = JsonNode.Parse(await File.ReadAllTextAsync(Clients.RegistryFile))!;
        registry["clients"]!.AsArray().Add(entry.DeepClone());
        await File.WriteAllTextAsync(Clients.RegistryFile, registry.ToJsonString());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _workspace.Dispose();
    }
}

/// <summary>The online test classes share one running ledger: starting four hosts per class would cost more than the tests.</summary>
[CollectionDefinition(Name)]
public sealed class RunningLedgerCollection : ICollectionFixture<RunningLedger>
{
    public const string Name = "running ledger";
}
