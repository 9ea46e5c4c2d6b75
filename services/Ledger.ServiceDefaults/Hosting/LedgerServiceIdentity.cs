namespace Ledger.ServiceDefaults.Hosting;

/// <summary>The name of the running service (notary, issuance, revocation, attestation).</summary>
public sealed record LedgerServiceIdentity(string Name);
