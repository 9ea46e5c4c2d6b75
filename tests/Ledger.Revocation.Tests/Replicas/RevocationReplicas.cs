using Ledger.Testing;

namespace Ledger.Revocation.Tests.Replicas;

/// <summary>
/// Notary, Issuance and two Revocation replicas on one database and virtual host, with the same
/// settings as a deployment gives every replica. The filter's covers_until moves in steps of an
/// hour, so it stands still while a test compares the replicas.
/// </summary>
public sealed class RevocationReplicas : LedgerWithRevocation
{
    public static readonly IReadOnlyDictionary<string, string?> ReplicaSettings = new Dictionary<string, string?>
    {
        ["Ledger:Revocation:Feed:FilterLagSeconds"] = "0",
        ["Ledger:Revocation:Feed:FilterRebuildSeconds"] = "3600",
    };

    public ServiceHost<Program> ReplicaA { get; private set; } = null!;

    public ServiceHost<Program> ReplicaB { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        ReplicaA = Start<Program>(ReplicaSettings);
        ReplicaB = Start<Program>(ReplicaSettings);
        await WaitUntilReadyAsync(ReplicaA);
        await WaitUntilReadyAsync(ReplicaB);
    }
}
