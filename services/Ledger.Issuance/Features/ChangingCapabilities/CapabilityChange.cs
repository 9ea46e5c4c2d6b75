using Ledger.ServiceDefaults.Hosting;
using Ledger.Issuance.Features.Issuing;
using Ledger.Issuance.Licenses;
using Ledger.Issuance.Revocations;
using Ledger.Issuance.Signing;
using Ledger.ServiceDefaults.Domain;
using Ledger.Verification;
using Marten;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Issuance.Features.ChangingCapabilities;

/// <summary>Replaces a license's capabilities and issues its next key.</summary>
public sealed class CapabilityChange(LicenseSigner signer, RekeyClearance revocation, LedgerIssuer issuer, TimeProvider clock)
{
    public async Task<License> ChangeAsync(
        IDocumentSession session, Guid licenseId, IReadOnlyList<string> capabilities, string requestedBy, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        var stream = await session.Events.FetchForWriting<License>(licenseId, cancellationToken);
        var license = stream.Aggregate ?? throw new RecordNotFound($"No license {licenseId}. Check the id, or list the customer's licenses.", ErrorReasons.LicenseNotFound);
        var now = clock.GetUtcNow();
        var plan = LicenseDecisions.ChangeCapabilities(license, capabilities, now);
        // Revocation decides, against its own record, before any new key exists.
        await revocation.EnsureAsync(license.Id, license.ExpiresAt, plan.Revision, cancellationToken);
        var claims = LicenseProfile.NextKey(license, issuer.Name, now, license.ExpiresAt, plan.Capabilities, plan.Revision);
        var signed = (await signer.SignAsync([LicenseProfile.Payload(license.Profile, claims)], license.ExpiresAt, cancellationToken, LicenseProfile.TokenType(license.Profile)))[0];
        var changed = new LicenseCapabilitiesChanged(license.Id, plan.Capabilities,
            new SignedLicenseKey(signed.Token, signed.Kid, plan.Revision), now, requestedBy, idempotencyKey);
        stream.AppendOne(changed);
        session.Store(LicenseKeyLogEntry.For(license.Id, plan.Revision, signed.LogIndex));
        license.Apply(changed);
        return license;
    }
}
