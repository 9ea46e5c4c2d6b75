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
/// license it covers is in the cascade's universe. <c>covers_until</c> moves in steps of
/// <see cref="FeedPolicy.FilterRebuild"/>, and the issue time is the feed's (<see cref="FeedIssueTime"/>),
/// so the filter's bytes depend only on the log version, that step and the refresh window: every
/// replica signs the same filter. Served from cache: a request reads two small documents (the log
/// head and the horizon); the cascade is rebuilt when the log moves or <c>covers_until</c> takes a
/// step, and re-signed in each refresh window.
/// </summary>
public sealed class FilterPublisher(IDocumentStore store, FeedPublisher feeds, FeedSigner signer, LedgerIssuer issuer, FeedPolicy policy, TimeProvider clock)
{
    private readonly SemaphoreSlim _building = new(1, 1);
    private (long Version, DateTimeOffset CoversUntil, DateTimeOffset Window, SignedFeed Signed)? _cached;

    public async Task<SignedFeed> GetAsync(CancellationToken cancellationToken)
    {
        await _building.WaitAsync(cancellationToken);
        try
        {
            var (version, chain) = await feeds.HeadAsync(cancellationToken);
            await using var session = store.QuerySession();
            var horizon = await session.LoadAsync<LicenseHorizon>(LicenseHorizon.DocumentId, cancellationToken) ?? new LicenseHorizon();
            var now = clock.GetUtcNow();
            var coversUntil = CoversUntil(horizon);
            var issued = await feeds.IssueTimeAsync(version, now, cancellationToken);
            if (_cached is { } cached && cached.Version == version && cached.CoversUntil == coversUntil && cached.Window == issued.WindowStart)
            {
                return cached.Signed;
            }

            var revoked = (await session.Query<RevocationRecord>()
                .Where(r => r.Kind == RevocationRecord.LicenseKind && r.FeedVersion <= version)
                .Select(r => r.Id)
                .ToListAsync(cancellationToken)).ToHashSet();
            var known = await session.Query<KnownLicense>().Select(k => k.Id).ToListAsync(cancellationToken);
            // Every revision floor in the history up to the log head: the highest per license.
            var floors = (await session.Query<RevocationRecord>()
                    .Where(r => r.Kind == RevocationRecord.SupersededKind && r.FeedVersion <= version)
                    .ToListAsync(cancellationToken))
                .GroupBy(r => r.LicenseId!.Value)
                .ToDictionary(g => g.Key, g => g.Max(r => r.MinimumRevision!.Value));
            // Every revoked id is in the cascade, imported ones included; the unrevoked side is every
            // known license the filter covers, so it answers exactly for each of them. Flux-format (UUIDv6)
            // ids carry no Unix time to cover them by; verifiers check those against the feed.
            var cascade = RevocationCascade.Build(
                revoked.ToList(),
                known.Where(id => !revoked.Contains(id) && UuidV7.IsVersion7(id) && UuidV7.Timestamp(id) <= coversUntil).ToList());
            var payload = new RevocationFilterPayload(issuer.Name, version, chain, issued.IssuedAt, issued.IssuedAt + policy.Lifetime, coversUntil, cascade.ToBytes(), floors);
            var jws = await signer.SignAsync(payload.ToJson(), FeedSigner.FilterType, payload.ExpiresAt, cancellationToken);
            var signed = new SignedFeed(jws, version, "filter", now);
            _cached = (version, coversUntil, issued.WindowStart, signed);
            return signed;
        }
        finally
        {
            _building.Release();
        }
    }

    /// <summary>
    /// The horizon's time minus the lag, rounded down to a whole step of <see cref="FeedPolicy.FilterRebuild"/>
    /// (whole seconds when it is 0) since the epoch, never before the epoch: a horizon that has learned
    /// nothing covers nothing. Replicas reading the horizon moments apart land on the same step.
    /// </summary>
    private DateTimeOffset CoversUntil(LicenseHorizon horizon)
    {
        var until = horizon.At - policy.FilterLag;
        if (until <= DateTimeOffset.UnixEpoch)
        {
            return DateTimeOffset.UnixEpoch;
        }

        var step = Math.Max(1L, (long)policy.FilterRebuild.TotalSeconds);
        var seconds = until.ToUnixTimeSeconds();
        return DateTimeOffset.FromUnixTimeSeconds(seconds - (seconds % step));
    }
}
