using Ledger.Attestation.VendorKeys;
using Ledger.Crypto;
using Marten;

namespace Ledger.Attestation.Features.ManagingVendorKeys;

/// <summary>
/// Registers and removes vendor keys. Each vendor's ring is one stream, written with optimistic
/// concurrency, so concurrent changes to a ring cannot both decide on the same state. The fetched
/// ring is never changed here: Marten's inline projection applies the new event to that same object.
/// </summary>
public sealed class VendorKeyRingChanges(IDocumentStore store, TimeProvider clock)
{
    public async Task<VendorKey> RegisterAsync(
        IDocumentSession session, string vendorId, JsonWebKey publicKey, string requestedBy, string idempotencyKey, CancellationToken cancellationToken)
    {
        var stream = await session.Events.FetchForWriting<VendorKeyRing>(VendorKeyRing.IdFor(vendorId), cancellationToken);
        var registered = VendorKeyDecisions.Register(stream.Aggregate, vendorId, publicKey, clock.GetUtcNow(), requestedBy, idempotencyKey);
        stream.AppendOne(registered);
        return new VendorKey { Kid = registered.Kid, PublicJwk = registered.PublicJwk, RegisteredAt = registered.At };
    }

    public async Task<VendorKey> RemoveAsync(
        IDocumentSession session, string vendorId, string kid, string reason, string requestedBy, string idempotencyKey, CancellationToken cancellationToken)
    {
        var stream = await session.Events.FetchForWriting<VendorKeyRing>(VendorKeyRing.IdFor(vendorId), cancellationToken);
        var removed = VendorKeyDecisions.Remove(stream.Aggregate, vendorId, kid, reason, clock.GetUtcNow(), requestedBy, idempotencyKey);
        var key = stream.Aggregate!.Find(kid)!;
        if (removed is null)
        {
            return key;
        }

        stream.AppendOne(removed);
        return new VendorKey { Kid = key.Kid, PublicJwk = key.PublicJwk, RegisteredAt = key.RegisteredAt, RemovedAt = removed.At, RemovalReason = removed.Reason };
    }

    public async Task<IReadOnlyList<VendorKey>> ListAsync(string vendorId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var ring = await session.LoadAsync<VendorKeyRing>(VendorKeyRing.IdFor(vendorId), cancellationToken);
        return ring?.Keys ?? [];
    }
}
