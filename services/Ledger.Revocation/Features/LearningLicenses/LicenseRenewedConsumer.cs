using Ledger.IntegrationEvents.V1;
using MassTransit;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>Keeps each known license's expiry current, so feeds prune it only once every key really expired.</summary>
public sealed class LicenseRenewedConsumer(LicenseLearning learning) : IConsumer<LicenseRenewed>
{
    public Task Consume(ConsumeContext<LicenseRenewed> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}
