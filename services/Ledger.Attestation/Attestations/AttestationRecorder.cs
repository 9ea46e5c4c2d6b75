using System.Diagnostics.Metrics;
using System.Text;
using Ledger.Attestation.Signing;
using Ledger.Attestation.Statements;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Hosting;
using Marten;

namespace Ledger.Attestation.Attestations;

/// <summary>Has Notary sign a statement the ledger wrote, and starts the attestation's stream in the caller's session.</summary>
public sealed class AttestationRecorder(AttestationSigner signer)
{
    private static readonly Counter<long> Issued =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.attestations.issued", description: "Attestations issued, by kind and whether a vendor signed first");

    /// <param name="subjectsField">The request field a statement too large to sign is blamed on.</param>
    public async Task<AttestationRecord> SignAndRecordAsync(
        IDocumentSession session, AttestationStatement statement, string subjectsField, DateTimeOffset now, string requestedBy, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        var payload = statement.ToJson();
        if (payload.Length > StatementLimits.MaxStatementBytes)
        {
            throw RequestValidation.Invalid(subjectsField,
                $"the statement would be {payload.Length} bytes; Notary signs at most {StatementLimits.MaxStatementBytes}. Attest fewer subjects per call.");
        }

        var signed = await signer.SignAsync(payload, statement.ExpiresAt, cancellationToken);
        return Record(session, new AttestationIssued(statement.Id, statement.Kind, statement.Subjects, statement.Manifest, null, null, signed.Kid,
            Encoding.UTF8.GetString(payload), signed.Jws, statement.ExpiresAt, now, requestedBy, idempotencyKey));
    }

    public static AttestationRecord Record(IDocumentSession session, AttestationIssued issued)
    {
        session.Events.StartStream<AttestationRecord>(issued.AttestationId, issued);
        Issued.Add(1, new KeyValuePair<string, object?>("kind", AttestationStatement.KindName(issued.Kind)),
            new KeyValuePair<string, object?>("dual_signed", issued.VendorId is not null));
        var record = AttestationRecord.Create(issued);
        record.Version = 1;
        return record;
    }
}
