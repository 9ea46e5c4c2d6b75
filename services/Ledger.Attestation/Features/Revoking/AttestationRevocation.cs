using Ledger.Attestation.Attestations;
using Ledger.ServiceDefaults.Domain;
using Marten;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Attestation.Features.Revoking;

/// <summary>
/// Withdraws an attestation. The revocation is an event in the attestation's own stream; the outbox
/// publishes AttestationRevoked, and Revocation puts it in the signed feeds beside licenses.
/// </summary>
public sealed class AttestationRevocation(TimeProvider clock)
{
    public sealed record Outcome(AttestationRecord Attestation, bool NewlyRevoked);

    public async Task<Outcome> RevokeAsync(
        IDocumentSession session, Guid attestationId, string reason, string? comment, string requestedBy, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        var stream = await session.Events.FetchForWriting<AttestationRecord>(attestationId, cancellationToken);
        var attestation = stream.Aggregate
            ?? throw new RecordNotFound($"No attestation {attestationId}. Check the id, or list attestations to find it.", ErrorReasons.AttestationNotFound);
        var revoked = AttestationDecisions.Revoke(attestation, reason, comment, clock.GetUtcNow(), requestedBy, idempotencyKey);
        if (revoked is null)
        {
            return new Outcome(attestation, false);
        }

        stream.AppendOne(revoked);
        return new Outcome(attestation.After(revoked), true);
    }
}
