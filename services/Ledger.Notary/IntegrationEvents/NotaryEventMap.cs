using JasperFx.Events;
using Ledger.IntegrationEvents.V1;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Messaging;

namespace Ledger.Notary.IntegrationEvents;

/// <summary>Which key lifecycle events subscribers see, and in what shape.</summary>
public sealed class NotaryEventMap : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent committed) => committed.Data switch
    {
        KeyActivated e => new SigningKeyRotated(e.Purpose.Name(), e.Kid, e.PreviousKid, e.PublicJwk, e.At),
        KeyRetired e => new SigningKeyRetired(e.Purpose.Name(), e.Kid, e.At),
        KeyMarkedCompromised e => new SigningKeyCompromised(e.Purpose.Name(), e.Kid, e.Reason, e.At),
        _ => null,
    };
}
