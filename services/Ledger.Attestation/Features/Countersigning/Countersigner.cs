using System.Text;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Signing;
using Ledger.Attestation.Statements;
using Ledger.Attestation.VendorKeys;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Grpc;
using Marten;

namespace Ledger.Attestation.Features.Countersigning;

/// <summary>
/// The dual signature: a statement a vendor signed is checked against the vendor's registered keys
/// and only then countersigned by Notary over the very same payload. The result carries both
/// signatures as JWS JSON general serialization, vendor first, and is recorded as an attestation
/// whose id is the statement's jti.
/// </summary>
public sealed class Countersigner(AttestationSigner signer, TimeProvider clock)
{
    private static readonly JwsVerifyOptions VendorSignatureRules = new()
    {
        MaxTokenBytes = StatementLimits.MaxSignedStatementBytes,
        RequiredType = AttestationStatement.TokenType,
    };

    public async Task<AttestationRecord> CountersignAsync(
        IDocumentSession session, VendorStatement submitted, string requestedBy, string idempotencyKey, CancellationToken cancellationToken)
    {
        var statement = submitted.Statement;
        var vendor = statement.Vendor!;
        var ring = await session.LoadAsync<VendorKeyRing>(VendorKeyRing.IdFor(vendor), cancellationToken);
        var signature = Jws.Verify(submitted.Compact, ring?.ToJwks() ?? new JsonWebKeySet([]), VendorSignatureRules);
        if (signature.Kid is null)
        {
            throw RequestValidation.Invalid(VendorStatement.Field, $"the vendor's signature is refused before any key is tried: {signature.Detail}");
        }

        var key = VendorKeyDecisions.Signer(ring, vendor, signature.Kid);
        if (!signature.IsValid)
        {
            throw RequestValidation.Invalid(VendorStatement.Field,
                $"the signature does not verify under vendor {vendor}'s key {key.Kid}: {signature.Detail} Sign the statement again; nothing was recorded.");
        }

        AttestationDecisions.EnsureNewId(await session.LoadAsync<AttestationRecord>(statement.Id, cancellationToken), statement.Id);

        var countersigned = await signer.CountersignAsync(submitted.Payload, statement.ExpiresAt, cancellationToken);
        var dualSigned = JwsJson.FromCompact(submitted.Compact).WithSignature(countersigned.Signature);
        var now = clock.GetUtcNow();
        return AttestationRecorder.Record(session, new AttestationIssued(statement.Id, statement.Kind, statement.Subjects, statement.Manifest,
            vendor, key.Kid, countersigned.Kid, Encoding.UTF8.GetString(submitted.Payload), dualSigned.ToJson(), statement.ExpiresAt, now,
            requestedBy, idempotencyKey));
    }
}
