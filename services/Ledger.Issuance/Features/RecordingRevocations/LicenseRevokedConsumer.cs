using Ledger.Issuance.Licenses;
using Ledger.IntegrationEvents.V1;
using Marten;
using MassTransit;

namespace Ledger.Issuance.Features.RecordingRevocations;

/// <summary>
/// Appends a revocation to the license's own stream, so one stream tells the whole story.
/// Idempotent: a redelivered message finds the license already revoked and does nothing;
/// concurrent deliveries conflict on the stream version and the retry sees the first.
/// </summary>
public sealed class LicenseRevokedConsumer(IDocumentStore store, TimeProvider clock, ILogger<LicenseRevokedConsumer> logger) : IConsumer<LicenseRevoked>
{
    public async Task Consume(ConsumeContext<LicenseRevoked> context)
    {
        var message = context.Message;
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<License>(message.LicenseId, context.CancellationToken);
        if (stream.Aggregate is null)
        {
            logger.LogWarning("LicenseRevoked {MessageId} names license {LicenseId}, which this ledger never issued; ignored",
                context.MessageId, message.LicenseId);
            return;
        }

        var recorded = LicenseDecisions.RecordRevocation(
            stream.Aggregate, context.MessageId ?? Guid.Empty, message.Reason, message.RevokedAt, clock.GetUtcNow());
        if (recorded is null)
        {
            return;
        }

        stream.AppendOne(recorded);
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
