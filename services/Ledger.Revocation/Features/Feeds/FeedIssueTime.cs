namespace Ledger.Revocation.Features.Feeds;

/// <summary>
/// The issue time a feed or filter of one log version carries, the same on every Revocation
/// replica so that they sign the same bytes and serve the same ETag: the start of the current
/// refresh window (whole multiples of the refresh interval since the Unix epoch), or the commit
/// time of the version when it came later in that window. The expiry is that time plus the
/// lifetime. Replicas whose clocks straddle a window boundary disagree only until the slower
/// one crosses it.
/// </summary>
public readonly record struct FeedIssueTime(DateTimeOffset WindowStart, DateTimeOffset IssuedAt)
{
    public static FeedIssueTime For(DateTimeOffset now, TimeSpan refresh, DateTimeOffset? versionCommittedAt)
    {
        var windowStart = WindowStartAt(now, refresh);
        var committed = versionCommittedAt is { } at ? Seconds(at) : DateTimeOffset.UnixEpoch;
        return new FeedIssueTime(windowStart, committed > windowStart ? committed : windowStart);
    }

    /// <summary>The start of the refresh window holding <paramref name="now"/>, in whole seconds.</summary>
    public static DateTimeOffset WindowStartAt(DateTimeOffset now, TimeSpan refresh)
    {
        var step = Math.Max(1L, (long)refresh.TotalSeconds);
        var seconds = now.ToUnixTimeSeconds();
        return DateTimeOffset.FromUnixTimeSeconds(seconds - (((seconds % step) + step) % step));
    }

    private static DateTimeOffset Seconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());
}
