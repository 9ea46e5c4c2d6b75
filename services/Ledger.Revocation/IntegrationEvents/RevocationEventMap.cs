using JasperFx.Events;
using Ledger.Revocation.Revocations;
using Ledger.ServiceDefaults.Messaging;
using V1 = Ledger.IntegrationEvents.V1;

namespace Ledger.Revocation.IntegrationEvents;

public sealed class RevocationEventMap : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent committed) => committed.Data switch
    {
        LicenseWasRevoked e => new V1.LicenseRevoked(e.LicenseId, e.Issuer, e.Reason, e.RevokedAt, e.FeedVersion),
        _ => null,
    };
}
