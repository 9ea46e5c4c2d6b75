using Ledger.Attestation.Attestations;
using Ledger.Attestation.Statements;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Attestation.Features.Countersigning;

/// <summary>
/// A statement a vendor signed, as submitted for countersigning: the compact JWS, its payload bytes and
/// the statement they hold. Reading it checks everything that does not depend on the ledger's state;
/// each problem is reported under <c>statement</c> or <c>statement.&lt;member&gt;</c>.
/// </summary>
public sealed record VendorStatement(string Compact, byte[] Payload, AttestationStatement Statement)
{
    public const string Field = "statement";

    public static VendorStatement? Read(string compact, string issuer, DateTimeOffset now, RequestValidation validation)
    {
        if (string.IsNullOrWhiteSpace(compact))
        {
            validation.Fail(Field, "required: the statement the vendor signed, as a compact JWS (header.payload.signature) with typ attestation+jwt");
            return null;
        }

        if (compact.Length > StatementLimits.MaxSignedStatementBytes)
        {
            validation.Fail(Field, $"{compact.Length} bytes; a signed statement is at most {StatementLimits.MaxSignedStatementBytes} bytes. Attest fewer subjects per statement.");
            return null;
        }

        byte[] payload;
        try
        {
            payload = JwsJson.FromCompact(compact).PayloadBytes();
        }
        catch (JoseException e)
        {
            validation.Fail(Field, $"not a compact JWS (header.payload.signature, base64url): {e.Message}");
            return null;
        }

        if (payload.Length > StatementLimits.MaxStatementBytes)
        {
            validation.Fail(Field, $"the payload is {payload.Length} bytes; a statement is at most {StatementLimits.MaxStatementBytes} bytes. Attest fewer subjects per statement.");
            return null;
        }

        AttestationStatement statement;
        try
        {
            statement = AttestationStatement.Parse(payload);
        }
        catch (StatementFormatException e)
        {
            foreach (var (field, problem) in e.Violations)
            {
                validation.Fail(field.Length == 0 ? Field : $"{Field}.{field}", problem);
            }

            return null;
        }

        var before = validation.Count;
        AttestationDecisions.AcceptVendorStatement(statement, issuer, now, (field, problem) => validation.Fail($"{Field}.{field}", problem));
        return validation.Count > before ? null : new VendorStatement(compact, payload, statement);
    }
}
