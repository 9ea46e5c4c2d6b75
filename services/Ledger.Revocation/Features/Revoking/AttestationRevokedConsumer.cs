using Ledger.IntegrationEvents.V1;
using MassTransit;

namespace Ledger.Revocation.Features.Revoking;

/// <summary>Puts a withdrawn attestation into the revocation log, so feeds carry it. Idempotent by attestation id.</summary>
public sealed class AttestationRevokedConsumer(Revoker revoker) : IConsumer<AttestationRevoked>
{
    /// <summary>Who asked, in the revocation log: the Attestation service, whichever way its event arrived.</summary>
    public const string RequestedBy = "attestation";

    public Task Consume(ConsumeContext<AttestationRevoked> context) =>
        revoker.RevokeAttestationAsync(context.Message.AttestationId, context.Message.Reason, context.Message.ExpiresAt, RequestedBy, context.CancellationToken);
}
