namespace Ledger.ClientTokens;

/// <summary>The name of the running service (notary, issuance, revocation, attestation).</summary>
public sealed record LedgerServiceIdentity(string Name);
