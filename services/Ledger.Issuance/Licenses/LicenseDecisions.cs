using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Issuance.Licenses;

/// <summary>
/// What a change to a license should be, decided from its state, the command and the time
/// alone. The signed key is made after the decision and before the event is recorded.
/// </summary>
public static class LicenseDecisions
{
    public sealed record RenewalPlan(DateTimeOffset PreviousExpiresAt, DateTimeOffset ExpiresAt, int Revision);

    public sealed record CapabilityPlan(IReadOnlyList<string> Capabilities, int Revision);

    public static RenewalPlan Renew(License license, int durationDays, DateTimeOffset now)
    {
        EnsureNotRevoked(license, "renewed");
        var from = license.ExpiresAt > now ? license.ExpiresAt : now;
        var expiresAt = from.AddDays(durationDays);
        if (expiresAt > now.AddDays(LicenseLimits.MaxExpiryAheadDays))
        {
            throw new RuleViolation(
                $"Renewing license {license.Id} by {durationDays} days would make it expire at {expiresAt:u}, more than {LicenseLimits.MaxExpiryAheadDays} days from now " +
                "(Notary signs no license key further ahead). Renew closer to its expiry, or by fewer days.");
        }

        return new RenewalPlan(license.ExpiresAt, expiresAt, license.Revision + 1);
    }

    public static CapabilityPlan ChangeCapabilities(License license, IReadOnlyList<string> capabilities, DateTimeOffset now)
    {
        EnsureNotRevoked(license, "changed");
        if (now >= license.ExpiresAt)
        {
            throw new RuleViolation($"License {license.Id} expired at {license.ExpiresAt:u}; renew it before changing its capabilities.", ErrorReasons.LicenseExpired);
        }

        return new CapabilityPlan(capabilities, license.Revision + 1);
    }

    /// <summary>Null when this revocation message was already recorded (a redelivery).</summary>
    public static LicenseRevocationRecorded? RecordRevocation(
        License license, Guid messageId, string reason, DateTimeOffset revokedAt, DateTimeOffset now) =>
        license.Revoked
            ? null
            : new LicenseRevocationRecorded(license.Id, reason, revokedAt, messageId, now, "revocation", null);

    private static void EnsureNotRevoked(License license, string verb)
    {
        if (license.Revoked)
        {
            throw new RuleViolation(
                $"License {license.Id} was revoked at {license.RevokedAt:u} ({license.RevocationReason}); revocation is final, so it cannot be {verb}. Issue a new license instead.",
                ErrorReasons.LicenseRevoked);
        }
    }
}
