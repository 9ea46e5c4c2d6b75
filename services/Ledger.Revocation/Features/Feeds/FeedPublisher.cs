using Ledger.ServiceDefaults.Hosting;
using System.Collections.Concurrent;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.Verification;
using Marten;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>
/// Builds and signs feeds from the revocation log. A feed's content and issue time depend only on
/// the log version and the refresh window (<see cref="FeedIssueTime"/>), never on which replica
/// signs it or when, so every replica serves the same bytes and ETag. A signed feed is reused for
/// its version and window, so verifiers polling in step cost one signature per version and
/// window, not one per request.
/// </summary>
public sealed class FeedPublisher(IDocumentStore store, FeedSigner signer, LedgerIssuer issuer, FeedPolicy policy, FeedMetrics metrics, TimeProvider clock)
{
    /// <summary>Signed feeds kept for reuse: the full feed and the deltas most recently asked for.</summary>
    public const int MaxCachedFeeds = 64;

    private readonly ConcurrentDictionary<string, SignedFeed> _signed = new();
    private volatile VersionCommit? _lastCommit;

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
        var now = clock.GetUtcNow();
        var window = FeedIssueTime.WindowStartAt(now, policy.Refresh);
        var key = delta ? $"delta:{since}:{upTo}:{window.ToUnixTimeSeconds()}" : $"full:{version}:{window.ToUnixTimeSeconds()}";
        if (_signed.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var issued = await IssueTimeAsync(upTo, now, cancellationToken);
        var signed = delta
            ? await SignDeltaAsync(since, upTo, upTo == version ? chain : null, issued.IssuedAt, now, cancellationToken)
            : await SignFullAsync(version, chain, issued.IssuedAt, now, cancellationToken);
        // A full feed is kept for the head version only, and nothing from an earlier window.
        var inWindow = $":{window.ToUnixTimeSeconds()}";
        foreach (var stale in _signed.Keys.Where(k => k != key && (k.StartsWith("full:", StringComparison.Ordinal) || !k.EndsWith(inWindow, StringComparison.Ordinal))))
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

    /// <summary>
    /// The issue time of a feed at <paramref name="version"/> signed now: from the refresh window and
    /// the version's commit time (the newest record's revocation time, written in the commit that made it).
    /// </summary>
    public async Task<FeedIssueTime> IssueTimeAsync(long version, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (version == 0)
        {
            return FeedIssueTime.For(now, policy.Refresh, null);
        }

        if (_lastCommit is not { } last || last.Version != version)
        {
            await using var session = store.QuerySession();
            var record = await session.Query<RevocationRecord>().FirstAsync(r => r.FeedVersion == version, cancellationToken);
            _lastCommit = last = new VersionCommit(version, record.RevokedAt);
        }

        return FeedIssueTime.For(now, policy.Refresh, last.CommittedAt);
    }

    private async Task<SignedFeed> SignFullAsync(long version, string chain, DateTimeOffset issuedAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        // Licenses whose every key expired anyway need no entry (as CRLs prune expired certificates).
        // pruned_before is null when nothing was left out, so the verifier can refold the whole chain.
        // The cutoff is the issue time, not this replica's clock: every replica prunes the same entries.
        var cutoff = issuedAt;
        var records = await session.Query<RevocationRecord>()
            .Where(r => r.FeedVersion <= version && r.LicenseExpiresAt >= cutoff)
            .OrderBy(r => r.FeedVersion).ThenBy(r => r.Id)
            .ToListAsync(cancellationToken);
        DateTimeOffset? prunedBefore = await session.Query<RevocationRecord>().AnyAsync(r => r.FeedVersion <= version && r.LicenseExpiresAt < cutoff, cancellationToken)
            ? cutoff
            : null;
        var previous = await PreviousChainAsync(session, version, cancellationToken);
        var payload = new RevocationFeedPayload(issuer.Name, version, "full", null, previous, chain, issuedAt,
            issuedAt + policy.Lifetime, (int)policy.Refresh.TotalSeconds, prunedBefore, records.Select(r => r.ToEntry()).ToList());
        return await SignAsync(payload, "full", now, cancellationToken);
    }

    /// <param name="chain">The chain at <paramref name="version"/> when it is the head; null to read it from the log.</param>
    private async Task<SignedFeed> SignDeltaAsync(long since, long version, string? chain, DateTimeOffset issuedAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var records = await session.Query<RevocationRecord>()
            .Where(r => r.FeedVersion > since && r.FeedVersion <= version)
            .OrderBy(r => r.FeedVersion).ThenBy(r => r.Id)
            .ToListAsync(cancellationToken);
        var previous = await PreviousChainAsync(session, version, cancellationToken);
        chain ??= records.Count > 0 ? records[^1].Chain : (await HeadAsync(cancellationToken)).Chain;
        var payload = new RevocationFeedPayload(issuer.Name, version, "delta", since, previous, chain, issuedAt,
            issuedAt + policy.Lifetime, (int)policy.Refresh.TotalSeconds, null, records.Select(r => r.ToEntry()).ToList());
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

    private sealed record VersionCommit(long Version, DateTimeOffset CommittedAt);
}
