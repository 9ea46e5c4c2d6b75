using Ledger.ServiceDefaults.Hosting;
using Ledger.Issuance.Features.Issuing;
using Ledger.Issuance.Licenses;
using Ledger.Issuance.Revocations;
using Ledger.Issuance.Signing;
using Ledger.ServiceDefaults.Domain;
using Ledger.Verification;
using Marten;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Issuance.Features.Renewing;

/// <summary>Extends a license and issues its next key. A concurrent change to the same license fails this one (Aborted), never overwrites it.</summary>
public sealed class LicenseRenewal(LicenseSigner signer, RekeyClearance revocation, LedgerIssuer issuer, TimeProvider clock)
{
    public async Task<License> RenewAsync(
        IDocumentSession session, Guid licenseId, int durationDays, string requestedBy, string idempotencyKey, CancellationToken cancellationToken)
    {
        var stream = await session.Events.FetchForWriting<License>(licenseId, cancellationToken);
        var license = stream.Aggregate ?? throw new RecordNotFound($"No license {licenseId}. Check the id, or list the customer's licenses.", ErrorReasons.LicenseNotFound);
        var now = clock.GetUtcNow();
        var plan = LicenseDecisions.Renew(license, durationDays, now);
        // Revocation decides, against its own record, before any new key exists.
        await revocation.EnsureAsync(license.Id, plan.ExpiresAt, plan.Revision, cancellationToken);
        var claims = LicenseProfile.NextKey(license, issuer.Name, now, plan.ExpiresAt, license.Capabilities, plan.Revision);
        var signed = (await signer.SignAsync([LicenseProfile.Payload(license.Profile, claims)], plan.ExpiresAt, cancellationToken, LicenseProfile.TokenType(license.Profile)))[0];
        var renewed = new LicenseRenewed(license.Id, plan.PreviousExpiresAt, plan.ExpiresAt,
            new SignedLicenseKey(signed.Token, signed.Kid, plan.Revision), now, requestedBy, idempotencyKey);
        stream.AppendOne(renewed);
        session.Store(LicenseKeyLogEntry.For(license.Id, plan.Revision, signed.LogIndex));
        license.Apply(renewed);
        return license;
    }
}
