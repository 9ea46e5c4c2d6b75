using Ledger.ServiceDefaults.Messaging;
using MassTransit;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>The ledger-sequence headers every Issuance event carries, read strictly: without them the order is unknown.</summary>
internal static class IssuanceSequence
{
    public static (long Sequence, long Previous) Of(ConsumeContext context)
    {
        var sequence = context.Headers.Get<long>(IntegrationEventForwarder.SequenceHeader);
        var previous = context.Headers.Get<long>(IntegrationEventForwarder.PreviousSequenceHeader);
        if (sequence is not > 0 || previous is not >= 0 || previous >= sequence)
        {
            throw new InvalidOperationException(
                $"Message {context.MessageId} has no usable {IntegrationEventForwarder.SequenceHeader}/{IntegrationEventForwarder.PreviousSequenceHeader} headers " +
                $"({sequence?.ToString() ?? "none"}/{previous?.ToString() ?? "none"}); Revocation applies Issuance's events only in Issuance's order. Was it published by an older Issuance?");
        }

        return (sequence.Value, previous.Value);
    }
}
