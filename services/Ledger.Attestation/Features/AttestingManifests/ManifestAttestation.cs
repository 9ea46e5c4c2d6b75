using Ledger.ServiceDefaults.Hosting;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Statements;
using Ledger.Crypto;
using Marten;

namespace Ledger.Attestation.Features.AttestingManifests;

/// <summary>
/// Attests a manifest directory by its Go dirhash digest. The ledger never sees the files: the client
/// hashes the directory, and the ignore list it used is signed with the digest so a verifier can
/// hash exactly the same files.
/// </summary>
public sealed class ManifestAttestation(AttestationRecorder recorder, LedgerIssuer issuer, TimeProvider clock)
{
    public Task<AttestationRecord> AttestAsync(
        IDocumentSession session, ManifestSubject manifest, DateTimeOffset? expiresAt, string requestedBy, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var statement = AttestationDecisions.Statement(UuidV7.NewId(), issuer.Name, AttestationKind.Manifest, [], manifest, expiresAt, now);
        return recorder.SignAndRecordAsync(session, statement, "ignore", now, requestedBy, idempotencyKey, cancellationToken);
    }
}
