using Ledger.ServiceDefaults.Hosting;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Statements;
using Ledger.Crypto;
using Marten;

namespace Ledger.Attestation.Features.AttestingArtifacts;

/// <summary>Attests OCI artifacts by digest: the ledger writes the statement, Notary signs it, a new stream records it.</summary>
public sealed class ArtifactAttestation(AttestationRecorder recorder, LedgerIssuer issuer, TimeProvider clock)
{
    public Task<AttestationRecord> AttestAsync(
        IDocumentSession session, IReadOnlyList<ArtifactReference> artifacts, DateTimeOffset? expiresAt, string requestedBy, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var statement = AttestationDecisions.Statement(UuidV7.NewId(), issuer.Name, AttestationKind.Artifacts, artifacts, null, expiresAt, now);
        return recorder.SignAndRecordAsync(session, statement, "artifacts", now, requestedBy, idempotencyKey, cancellationToken);
    }
}
