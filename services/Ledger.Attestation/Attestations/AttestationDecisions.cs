using Ledger.Attestation.Statements;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Attestation.Attestations;

/// <summary>
/// What the ledger records for an attestation, decided from state, command and time alone. Signing
/// happens after the statement is decided and before the event is recorded.
/// </summary>
public static class AttestationDecisions
{
    /// <summary>The statement the ledger writes for subjects it was given; times in whole seconds, as they are signed.</summary>
    public static AttestationStatement Statement(
        Guid attestationId, string issuer, AttestationKind kind, IReadOnlyList<ArtifactReference> artifacts, ManifestSubject? manifest,
        DateTimeOffset? expiresAt, DateTimeOffset now) =>
        new(attestationId, issuer, null, WholeSeconds(now), expiresAt is { } exp ? WholeSeconds(exp) : null, kind, artifacts, manifest);

    /// <summary>
    /// The checks a vendor's statement must pass, beyond its format, before Notary countersigns it:
    /// our issuer, a vendor named, signed no later than now, not expired, not valid for too long.
    /// </summary>
    public static void AcceptVendorStatement(AttestationStatement statement, string issuer, DateTimeOffset now, Violation fail)
    {
        if (statement.Issuer != issuer)
        {
            fail("iss", $"must be '{issuer}', this ledger's issuer: the revocation feeds of that issuer cover the attestation");
        }

        if (statement.Vendor is null)
        {
            fail("vendor", $"required in a statement a vendor signs: the vendor whose registered key signed it ({StatementLimits.VendorIdRule})");
        }

        if (statement.IssuedAt > now + StatementLimits.ClockSkew)
        {
            fail("iat", $"is {statement.IssuedAt:u}, in the future (the ledger's time is {now:u}); check the signing machine's clock");
        }

        if (statement.ExpiresAt is { } expiresAt)
        {
            if (expiresAt <= now)
            {
                fail("exp", $"the statement expired at {expiresAt:u}; sign a new one");
            }
            else if (expiresAt > now.AddYears(StatementLimits.MaxValidityYears))
            {
                fail("exp", $"at most {StatementLimits.MaxValidityYears} years from now");
            }
        }
    }

    /// <summary>The statement id is the stream id, so a vendor's jti can start one attestation only.</summary>
    public static void EnsureNewId(AttestationRecord? existing, Guid attestationId)
    {
        if (existing is not null)
        {
            throw new RuleViolation(
                $"The statement's jti {attestationId} is already attestation {attestationId}, recorded at {existing.IssuedAt:u}. " +
                "Every statement needs a new UUIDv7 jti: sign a fresh statement (to retry the same request, reuse its idempotency key instead).",
                ErrorReasons.StatementIdUsed);
        }
    }

    /// <summary>Null when the attestation is already revoked: revocation is final and the first one stands.</summary>
    public static AttestationRevoked? Revoke(
        AttestationRecord attestation, string reason, string? comment, DateTimeOffset now, string requestedBy, string idempotencyKey) =>
        attestation.Revoked
            ? null
            : new AttestationRevoked(attestation.Id, reason, comment, attestation.ExpiresAt, now, requestedBy, idempotencyKey);

    public static DateTimeOffset WholeSeconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());
}
