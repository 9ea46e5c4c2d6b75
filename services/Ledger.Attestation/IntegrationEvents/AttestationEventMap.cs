using JasperFx.Events;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Statements;
using Ledger.ServiceDefaults.Messaging;
using V1 = Ledger.IntegrationEvents.V1;

namespace Ledger.Attestation.IntegrationEvents;

/// <summary>The attestation events subscribers see. Vendor key ring changes stay inside the service.</summary>
public sealed class AttestationEventMap : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent committed) => committed.Data switch
    {
        AttestationIssued e => new V1.AttestationIssued(e.AttestationId, AttestationStatement.KindName(e.Kind), e.Subjects, e.VendorKid, e.At, e.ExpiresAt),
        AttestationRevoked e => new V1.AttestationRevoked(e.AttestationId, e.Reason, e.At, e.ExpiresAt),
        _ => null,
    };
}
