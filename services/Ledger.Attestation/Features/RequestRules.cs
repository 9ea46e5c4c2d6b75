using Google.Protobuf.WellKnownTypes;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Statements;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Grpc;
using V1 = Ledger.Contracts.Attestation.V1;

namespace Ledger.Attestation.Features;

/// <summary>Field checks several requests share; each reports through the request's <see cref="RequestValidation"/>.</summary>
public static class RequestRules
{
    public const int MaxCommentLength = 500;

    public static Violation Reporter(this RequestValidation validation) => (field, problem) => validation.Fail(field, problem);

    public static DateTimeOffset? ExpiresAt(RequestValidation validation, Timestamp? requested, DateTimeOffset now)
    {
        if (validation.Time(requested, "expires_at") is not { } expiresAt)
        {
            return null;
        }

        validation.Require(expiresAt > now, "expires_at", $"must be in the future (it is {expiresAt:u}; now is {now:u}), or unset for an attestation that does not expire");
        validation.Require(expiresAt <= now.AddYears(StatementLimits.MaxValidityYears), "expires_at", $"at most {StatementLimits.MaxValidityYears} years from now");
        return expiresAt;
    }

    public static Guid AttestationId(RequestValidation validation, string value)
    {
        var valid = UuidV7.TryParse(value, out var id);
        validation.Require(valid && UuidV7.IsVersion7(id), "attestation_id", "required: an attestation id (UUIDv7, as returned when the attestation was issued)");
        return id;
    }

    public static string VendorId(RequestValidation validation, string value)
    {
        validation.Require(StatementLimits.IsVendorId(value), "vendor_id", "required: " + StatementLimits.VendorIdRule);
        return value;
    }

    public static string? Text(RequestValidation validation, string value, string field, bool required)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            validation.Fail(field, "required: must not be empty");
        }
        else if (value.Length > MaxCommentLength || value.Any(c => char.IsControl(c) && c is not ('\n' or '\t')))
        {
            validation.Fail(field, $"at most {MaxCommentLength} characters, no control characters");
        }

        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public static string RevocationReason(RequestValidation validation, V1.AttestationRevocationReason reason)
    {
        var name = reason switch
        {
            V1.AttestationRevocationReason.Unspecified => RevocationReasons.Unspecified,
            V1.AttestationRevocationReason.KeyCompromise => RevocationReasons.KeyCompromise,
            V1.AttestationRevocationReason.Superseded => RevocationReasons.Superseded,
            V1.AttestationRevocationReason.CessationOfOperation => RevocationReasons.CessationOfOperation,
            V1.AttestationRevocationReason.PrivilegeWithdrawn => RevocationReasons.PrivilegeWithdrawn,
            _ => null,
        };
        validation.Require(name is not null, "reason", "one of unspecified, key compromise, superseded, cessation of operation, privilege withdrawn");
        return name ?? "";
    }
}
