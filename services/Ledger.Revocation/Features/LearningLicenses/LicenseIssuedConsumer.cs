using Ledger.IntegrationEvents.V1;
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

/// <summary>Learns every issued license, in Issuance's order.</summary>
public sealed class LicenseIssuedConsumer(LicenseLearning learning) : IConsumer<LicenseIssued>
{
    public Task Consume(ConsumeContext<LicenseIssued> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}

/// <summary>Keeps each known license's expiry current, so feeds prune it only once every key really expired.</summary>
public sealed class LicenseRenewedConsumer(LicenseLearning learning) : IConsumer<LicenseRenewed>
{
    public Task Consume(ConsumeContext<LicenseRenewed> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}

/// <summary>Keeps each known license's revision current.</summary>
public sealed class LicenseCapabilitiesChangedConsumer(LicenseLearning learning) : IConsumer<LicenseCapabilitiesChanged>
{
    public Task Consume(ConsumeContext<LicenseCapabilitiesChanged> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}

/// <summary>Moves the horizon when Issuance is quiet.</summary>
public sealed class IssuanceHeartbeatConsumer(LicenseLearning learning) : IConsumer<IssuanceHeartbeat>
{
    public Task Consume(ConsumeContext<IssuanceHeartbeat> context)
    {
        var (sequence, previous) = IssuanceSequence.Of(context);
        return learning.LearnAsync(context.Message, sequence, previous, context.CancellationToken);
    }
}
