using Ledger.IntegrationEvents.V1;
using MassTransit;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>Learns every issued license, in Issuance's order.</summary>
public sealed class LicenseIssuedConsumer(LicenseLearning learning) : IConsumer<LicenseIssued>
{
    public Task Consume(ConsumeContext<LicenseIssued> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}
