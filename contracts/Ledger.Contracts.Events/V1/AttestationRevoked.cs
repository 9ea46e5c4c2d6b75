namespace Ledger.IntegrationEvents.V1;

/// <summary>
/// An attestation was withdrawn (a shipped artifact must not be trusted). Revocation records it
/// in the feeds beside licenses, with kind "attestation".
/// </summary>
/// <param name="Reason">RFC 5280 CRLReason name, as for licenses.</param>
/// <param name="ExpiresAt">When the attestation would have expired anyway, if ever (feeds may prune after it).</param>
public sealed record AttestationRevoked(Guid AttestationId, string Reason, DateTimeOffset RevokedAt, DateTimeOffset? ExpiresAt);
