using Ledger.IntegrationEvents.V1;
using MassTransit;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>Moves the horizon when Issuance is quiet.</summary>
public sealed class IssuanceHeartbeatConsumer(LicenseLearning learning) : IConsumer<IssuanceHeartbeat>
{
    public Task Consume(ConsumeContext<IssuanceHeartbeat> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}
