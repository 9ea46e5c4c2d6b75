using System.Diagnostics.Metrics;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Signing;
using Ledger.Attestation.Statements;
using Ledger.Attestation.VendorKeys;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Hosting;
using Marten;

namespace Ledger.Attestation.Features.Verifying;

/// <summary>
/// Verify for online callers: gathers what <see cref="AttestationVerifier"/> needs (Notary's attestation
/// JWKS, the named vendor's key ring, the ledger's record of the statement) and lets it decide.
/// </summary>
public sealed class AttestationVerification(IDocumentStore store, NotaryAttestationKeys notaryKeys, TimeProvider clock)
{
    private static readonly Counter<long> Verified =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.attestations.verified", description: "Attestation verifications, by verdict");

    public async Task<AttestationVerdict> VerifyAsync(
        string attestation, IReadOnlyList<ArtifactReference> artifacts, string? manifestDigest, CancellationToken cancellationToken)
    {
        var verdict = await DecideAsync(attestation, artifacts, manifestDigest, cancellationToken);
        Verified.Add(1, new KeyValuePair<string, object?>("verdict", verdict.Status.ToString()));
        return verdict;
    }

    private async Task<AttestationVerdict> DecideAsync(
        string attestation, IReadOnlyList<ArtifactReference> artifacts, string? manifestDigest, CancellationToken cancellationToken)
    {
        if (!AttestationEnvelope.TryParse(attestation, out var envelope, out var problem))
        {
            return AttestationVerdict.Fail(VerdictStatus.Malformed, problem);
        }

        // Read unverified only to know which ring and record to load; the verifier trusts nothing before the signatures.
        AttestationStatement? claimed = null;
        try
        {
            claimed = AttestationStatement.Parse(envelope.Payload);
        }
        catch (StatementFormatException)
        {
            // The verifier reports the format problem.
        }

        VendorKeyRing? ring = null;
        AttestationRecord? recorded = null;
        if (claimed is not null)
        {
            await using var session = store.QuerySession();
            ring = claimed.Vendor is { } vendor ? await session.LoadAsync<VendorKeyRing>(VendorKeyRing.IdFor(vendor), cancellationToken) : null;
            recorded = await session.LoadAsync<AttestationRecord>(claimed.Id, cancellationToken);
        }

        var notaryKids = envelope.Kids.OfType<string>().Where(kid => ring?.Find(kid) is null);
        var keys = await notaryKeys.GetAsync(notaryKids, cancellationToken);
        return AttestationVerifier.Verify(new VerificationInput(envelope, keys, ring, recorded, artifacts, manifestDigest, clock.GetUtcNow()));
    }
}
