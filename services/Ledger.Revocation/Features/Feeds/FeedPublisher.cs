using Ledger.ServiceDefaults.Hosting;
using System.Collections.Concurrent;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.Verification;
using Marten;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>
/// Builds and signs feeds from the revocation log. A signed feed is reused while the log has
/// not moved and it is younger than the refresh interval, so verifiers polling in step cost
/// one signature per version, not one per request.
/// </summary>
public sealed class FeedPublisher(IDocumentStore store, FeedSigner signer, LedgerIssuer issuer, FeedPolicy policy, FeedMetrics metrics, TimeProvider clock)
{
    /// <summary>Signed feeds kept for reuse: the full feed and the deltas most recently asked for.</summary>
    public const int MaxCachedFeeds = 64;

    private readonly ConcurrentDictionary<string, SignedFeed> _signed = new();

    public async Task<(long Version, string Chain)> HeadAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var log = await session.LoadAsync<RevocationLog>(RevocationLog.StreamId, cancellationToken);
        return log is null ? (0, RevocationLog.GenesisChain(issuer.Name)) : (log.Version, log.Chain);
    }

    /// <summary>
    /// The latest full feed (<paramref name="since"/> 0, or ahead of the log), or a delta after
    /// <paramref name="since"/>: at most <see cref="FeedPolicy.MaxDeltaEntries"/> revocations, so a
    /// verifier far behind pages forward delta by delta, each one folded onto its stored chain, rather
    /// than jumping to a pruned full feed it could not check (docs/FEEDS.md).
    /// </summary>
    public async Task<SignedFeed> GetAsync(long since, CancellationToken cancellationToken)
    {
        var (version, chain) = await HeadAsync(cancellationToken);
        var delta = since > 0 && since <= version;
        var upTo = delta ? Math.Min(version, since + policy.MaxDeltaEntries) : version;
        var key = delta ? $"delta:{since}:{upTo}" : $"full:{version}";
        var now = clock.GetUtcNow();
        if (_signed.TryGetValue(key, out var cached) && now - cached.SignedAt < policy.Refresh)
        {
            return cached;
        }

        var signed = delta
            ? await SignDeltaAsync(since, upTo, upTo == version ? chain : null, now, cancellationToken)
            : await SignFullAsync(version, chain, now, cancellationToken);
        foreach (var stale in _signed.Keys.Where(k => k.StartsWith("full:", StringComparison.Ordinal) && k != key))
        {
            _signed.TryRemove(stale, out _);
        }

        // Bounded: verifiers at many different versions get deltas signed on demand; keep the newest few.
        foreach (var (oldest, _) in _signed.OrderBy(e => e.Value.SignedAt).Take(Math.Max(0, _signed.Count - MaxCachedFeeds + 1)).ToList())
        {
            _signed.TryRemove(oldest, out _);
        }

        _signed[key] = signed;
        return signed;
    }

    private async Task<SignedFeed> SignFullAsync(long version, string chain, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        // Licenses whose every key expired anyway need no entry (as CRLs prune expired certificates).
        // pruned_before is null when nothing was left out, so the verifier can refold the whole chain.
        var cutoff = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var records = await session.Query<RevocationRecord>()
            .Where(r => r.FeedVersion <= version && r.LicenseExpiresAt >= cutoff)
            .OrderBy(r => r.FeedVersion)
            .ToListAsync(cancellationToken);
        DateTimeOffset? prunedBefore = await session.Query<RevocationRecord>().AnyAsync(r => r.FeedVersion <= version && r.LicenseExpiresAt < cutoff, cancellationToken)
            ? cutoff
            : null;
        var previous = await PreviousChainAsync(session, version, cancellationToken);
        var payload = new RevocationFeedPayload(issuer.Name, version, "full", null, previous, chain, Seconds(now),
            Seconds(now + policy.Lifetime), (int)policy.Refresh.TotalSeconds, prunedBefore, records.Select(r => r.ToEntry()).ToList());
        return await SignAsync(payload, "full", now, cancellationToken);
    }

    /// <param name="chain">The chain at <paramref name="version"/> when it is the head; null to read it from the log.</param>
    private async Task<SignedFeed> SignDeltaAsync(long since, long version, string? chain, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var records = await session.Query<RevocationRecord>()
            .Where(r => r.FeedVersion > since && r.FeedVersion <= version)
            .OrderBy(r => r.FeedVersion)
            .ToListAsync(cancellationToken);
        var previous = await PreviousChainAsync(session, version, cancellationToken);
        chain ??= records.Count > 0 ? records[^1].Chain : (await HeadAsync(cancellationToken)).Chain;
        var payload = new RevocationFeedPayload(issuer.Name, version, "delta", since, previous, chain, Seconds(now),
            Seconds(now + policy.Lifetime), (int)policy.Refresh.TotalSeconds, null, records.Select(r => r.ToEntry()).ToList());
        return await SignAsync(payload, "delta", now, cancellationToken);
    }

    private async Task<string> PreviousChainAsync(IQuerySession session, long version, CancellationToken cancellationToken)
    {
        if (version == 0)
        {
            return RevocationLog.GenesisChain(issuer.Name);
        }

        var newest = await session.Query<RevocationRecord>().FirstAsync(r => r.FeedVersion == version, cancellationToken);
        return newest.PreviousChain;
    }

    private async Task<SignedFeed> SignAsync(RevocationFeedPayload payload, string kind, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var jws = await signer.SignAsync(payload.ToJson(), FeedSigner.FeedType, payload.ExpiresAt, cancellationToken);
        var signed = new SignedFeed(jws, payload.Version, kind, now);
        metrics.Signed(signed);
        return signed;
    }

    private static DateTimeOffset Seconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());
}
