using Ledger.ServiceDefaults.Hosting;
using Ledger.Crypto;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.Verification;
using Marten;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>
/// Builds the signed Bloom-filter cascade over every known license. Its <c>covers_until</c> is the
/// license horizon's time minus <see cref="FeedPolicy.FilterLag"/> (Issuance's longest mint-to-commit
/// time, docs/FEEDS.md), never the wall clock: during a broker outage or backlog it stops, and every
/// license it covers is in the cascade's universe. Served from cache: a request reads two small
/// documents (the log head and the horizon); the cascade is rebuilt when the log moves, when the
/// horizon moved and the cached filter is older than <see cref="FeedPolicy.FilterRebuild"/>, and
/// re-signed within the refresh interval.
/// </summary>
public sealed class FilterPublisher(IDocumentStore store, FeedPublisher feeds, FeedSigner signer, LedgerIssuer issuer, FeedPolicy policy, TimeProvider clock)
{
    private readonly SemaphoreSlim _building = new(1, 1);
    private (long Version, long Horizon, SignedFeed Signed)? _cached;

    public async Task<SignedFeed> GetAsync(CancellationToken cancellationToken)
    {
        await _building.WaitAsync(cancellationToken);
        try
        {
            var (version, chain) = await feeds.HeadAsync(cancellationToken);
            await using var session = store.QuerySession();
            var horizon = await session.LoadAsync<LicenseHorizon>(LicenseHorizon.DocumentId, cancellationToken) ?? new LicenseHorizon();
            var now = clock.GetUtcNow();
            if (_cached is { } cached && cached.Version == version && now - cached.Signed.SignedAt < policy.Refresh
                && (cached.Horizon == horizon.Sequence || now - cached.Signed.SignedAt < policy.FilterRebuild))
            {
                return cached.Signed;
            }

            var coversUntil = CoversUntil(horizon);
            var revoked = (await session.Query<RevocationRecord>()
                .Where(r => r.Kind == RevocationRecord.LicenseKind && r.FeedVersion <= version)
                .Select(r => r.Id)
                .ToListAsync(cancellationToken)).ToHashSet();
            var known = await session.Query<KnownLicense>().Select(k => k.Id).ToListAsync(cancellationToken);
            // Every revoked id is in the cascade, imported ones included; the unrevoked side is every
            // known license the filter covers, so it answers exactly for each of them. Flux-format (UUIDv6)
            // ids carry no Unix time to cover them by; verifiers check those against the feed.
            var cascade = RevocationCascade.Build(
                revoked.ToList(),
                known.Where(id => !revoked.Contains(id) && UuidV7.IsVersion7(id) && UuidV7.Timestamp(id) <= coversUntil).ToList());
            var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
            var payload = new RevocationFilterPayload(issuer.Name, version, chain, issuedAt, issuedAt + policy.Lifetime, coversUntil, cascade.ToBytes());
            var jws = await signer.SignAsync(payload.ToJson(), FeedSigner.FilterType, payload.ExpiresAt, cancellationToken);
            var signed = new SignedFeed(jws, version, "filter", now);
            _cached = (version, horizon.Sequence, signed);
            return signed;
        }
        finally
        {
            _building.Release();
        }
    }

    /// <summary>Whole seconds, never before the epoch: a horizon that has learned nothing covers nothing.</summary>
    private DateTimeOffset CoversUntil(LicenseHorizon horizon)
    {
        var until = horizon.At - policy.FilterLag;
        return until <= DateTimeOffset.UnixEpoch ? DateTimeOffset.UnixEpoch : DateTimeOffset.FromUnixTimeSeconds(until.ToUnixTimeSeconds());
    }
}
