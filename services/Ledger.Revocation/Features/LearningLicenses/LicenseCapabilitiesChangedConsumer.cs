using Ledger.IntegrationEvents.V1;
using MassTransit;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>Keeps each known license's revision current.</summary>
public sealed class LicenseCapabilitiesChangedConsumer(LicenseLearning learning) : IConsumer<LicenseCapabilitiesChanged>
{
    public Task Consume(ConsumeContext<LicenseCapabilitiesChanged> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}
