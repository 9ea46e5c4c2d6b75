using Ledger.IntegrationEvents.V1;
using MassTransit;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>Learns every license Issuance imported (signed outside the ledger), in Issuance's order, as it learns issued ones.</summary>
public sealed class LicenseImportedConsumer(LicenseLearning learning) : IConsumer<LicenseImported>
{
    public Task Consume(ConsumeContext<LicenseImported> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}
