using Ledger.IntegrationEvents.V1;
using MassTransit;

namespace Ledger.Revocation.Features.Revoking;

/// <summary>Puts a withdrawn attestation into the revocation log, so feeds carry it. Idempotent by attestation id.</summary>
public sealed class AttestationRevokedConsumer(Revoker revoker) : IConsumer<AttestationRevoked>
{
    public Task Consume(ConsumeContext<AttestationRevoked> context) =>
        revoker.RevokeAttestationAsync(context.Message.AttestationId, context.Message.Reason, context.Message.ExpiresAt, "attestation", context.CancellationToken);
}
