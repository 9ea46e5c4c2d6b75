namespace Ledger.IntegrationEvents.V1;

/// <summary>
/// Issuance is alive and had decided everything before it at <paramref name="At"/>. Published in
/// Issuance's commit order like its license events, when no other event went out for a while, so
/// a subscriber that applies them in order (Revocation) knows how far its view of the licenses reaches.
/// </summary>
public sealed record IssuanceHeartbeat(string Issuer, DateTimeOffset At);
