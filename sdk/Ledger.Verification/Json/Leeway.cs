namespace Ledger.Verification;

/// <summary>Time arithmetic that saturates at the ends of DateTimeOffset instead of throwing.</summary>
internal static class Leeway
{
    public static DateTimeOffset Plus(this DateTimeOffset time, TimeSpan span) =>
        span >= TimeSpan.Zero
            ? (DateTimeOffset.MaxValue - time < span ? DateTimeOffset.MaxValue : time + span)
            : (time - DateTimeOffset.MinValue < span.Duration() ? DateTimeOffset.MinValue : time + span);

    public static DateTimeOffset Minus(this DateTimeOffset time, TimeSpan span) => time.Plus(span.Negate());

    /// <summary>ISO 8601 UTC to the second, for messages.</summary>
    public static string Text(this DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
