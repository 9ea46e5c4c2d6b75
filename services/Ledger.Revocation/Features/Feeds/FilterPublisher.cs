using Ledger.ServiceDefaults.Hosting;
using Ledger.Crypto;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.Verification;
using Marten;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>
/// Builds the signed Bloom-filter cascade over every known license. Rebuilt when the log
/// moves or new licenses are known, and re-signed within the refresh interval.
/// </summary>
public sealed class FilterPublisher(IDocumentStore store, FeedPublisher feeds, FeedSigner signer, LedgerIssuer issuer, FeedPolicy policy, TimeProvider clock)
{
    private readonly SemaphoreSlim _building = new(1, 1);
    private (long Version, int Known, SignedFeed Signed)? _cached;

    public async Task<SignedFeed> GetAsync(CancellationToken cancellationToken)
    {
        await _building.WaitAsync(cancellationToken);
        try
        {
            var (version, chain) = await feeds.HeadAsync(cancellationToken);
            await using var session = store.QuerySession();
            var now = clock.GetUtcNow();
            // Covered: licenses minted long enough ago that Revocation surely knows them (FeedPolicy.FilterLag).
            var coversUntil = DateTimeOffset.FromUnixTimeSeconds((now - policy.FilterLag).ToUnixTimeSeconds());
            var known = await session.Query<KnownLicense>().Select(k => k.Id).ToListAsync(cancellationToken);
            if (_cached is { } cached && cached.Version == version && cached.Known == known.Count && now - cached.Signed.SignedAt < policy.Refresh)
            {
                return cached.Signed;
            }

            var revoked = (await session.Query<RevocationRecord>().Select(r => r.Id).ToListAsync(cancellationToken)).ToHashSet();
            var universe = known.Where(id => UuidV7.Timestamp(id) <= coversUntil).ToList();
            var cascade = RevocationCascade.Build(
                universe.Where(revoked.Contains).ToList(),
                universe.Where(id => !revoked.Contains(id)).ToList());
            var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
            var payload = new RevocationFilterPayload(issuer.Name, version, chain, issuedAt, issuedAt + policy.Lifetime, coversUntil, cascade.ToBytes());
            var jws = await signer.SignAsync(payload.ToJson(), FeedSigner.FilterType, payload.ExpiresAt, cancellationToken);
            var signed = new SignedFeed(jws, version, "filter", now);
            _cached = (version, known.Count, signed);
            return signed;
        }
        finally
        {
            _building.Release();
        }
    }
}
