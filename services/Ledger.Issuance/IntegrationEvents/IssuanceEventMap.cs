using Ledger.ServiceDefaults.Hosting;
using JasperFx.Events;
using Ledger.Issuance.Features.Heartbeat;
using Ledger.Issuance.Features.Issuing;
using Ledger.Issuance.Licenses;
using Ledger.ServiceDefaults.Messaging;
using V1 = Ledger.IntegrationEvents.V1;

namespace Ledger.Issuance.IntegrationEvents;

/// <summary>The license events subscribers see. Customer name and contact never leave the ledger.</summary>
public sealed class IssuanceEventMap(LedgerIssuer issuer) : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent committed) => committed.Data switch
    {
        LicenseIssued e => new V1.LicenseIssued(e.LicenseId, issuer.Name, e.CustomerId, e.Subject, e.Product, e.Edition, e.Audience,
            e.Capabilities, e.ValidFrom, e.ExpiresAt, e.At, e.Key.Kid),
        LicenseRenewed e => new V1.LicenseRenewed(e.LicenseId, issuer.Name, e.PreviousExpiresAt, e.ExpiresAt, e.Key.Revision, e.At, e.Key.Kid),
        LicenseCapabilitiesChanged e => new V1.LicenseCapabilitiesChanged(e.LicenseId, issuer.Name, e.Capabilities, e.Key.Revision, e.At, e.Key.Kid),
        LicenseImported e => new V1.LicenseImported(e.LicenseId, issuer.Name, e.CustomerId, e.Subject, e.Product, e.Edition, e.Audiences[0],
            e.Capabilities, e.ValidFrom, e.ExpiresAt, e.IssuedAt, e.At, e.Key.Kid),
        HeartbeatRecorded e => new V1.IssuanceHeartbeat(issuer.Name, e.At),
        _ => null,
    };
}
