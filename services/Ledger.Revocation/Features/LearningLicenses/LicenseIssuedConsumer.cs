using Ledger.IntegrationEvents.V1;
using Ledger.Revocation.KnownLicenses;
using Marten;
using MassTransit;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>Learns every issued license. Idempotent: a redelivery stores the same document.</summary>
public sealed class LicenseIssuedConsumer(IDocumentStore store) : IConsumer<LicenseIssued>
{
    public async Task Consume(ConsumeContext<LicenseIssued> context)
    {
        var message = context.Message;
        await using var session = store.LightweightSession();
        var known = await session.LoadAsync<KnownLicense>(message.LicenseId, context.CancellationToken);
        session.Store(new KnownLicense
        {
            Id = message.LicenseId,
            Issuer = message.Issuer,
            IssuedAt = message.IssuedAt,
            // A renewal may have arrived first: never move the expiry back.
            ExpiresAt = known is not null && known.ExpiresAt > message.ExpiresAt ? known.ExpiresAt : message.ExpiresAt,
        });
        await session.SaveChangesAsync(context.CancellationToken);
    }
}

/// <summary>Keeps each known license's expiry current, so feeds prune it only once it really expired.</summary>
public sealed class LicenseRenewedConsumer(IDocumentStore store) : IConsumer<LicenseRenewed>
{
    public async Task Consume(ConsumeContext<LicenseRenewed> context)
    {
        var message = context.Message;
        await using var session = store.LightweightSession();
        var known = await session.LoadAsync<KnownLicense>(message.LicenseId, context.CancellationToken)
            ?? new KnownLicense { Id = message.LicenseId, Issuer = message.Issuer, IssuedAt = message.RenewedAt };
        if (message.ExpiresAt > known.ExpiresAt)
        {
            known.ExpiresAt = message.ExpiresAt;
            session.Store(known);
            await session.SaveChangesAsync(context.CancellationToken);
        }
    }
}
