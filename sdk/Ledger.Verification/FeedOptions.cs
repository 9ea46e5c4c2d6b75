namespace Ledger.Verification;

/// <summary>Tuning for feed and license checks. Anything that weakens a check says Unsafe in its name.</summary>
public sealed record FeedOptions
{
    private readonly TimeSpan clockSkew = TimeSpan.FromMinutes(2);
    private readonly int maxFeedBytes = 8 * 1024 * 1024;

    public static FeedOptions Default { get; } = new();

    /// <summary>Leeway for clocks that disagree, applied to nbf, exp, iat and feed expiry. At most one hour.</summary>
    public TimeSpan ClockSkew
    {
        get => clockSkew;
        init => clockSkew = value >= TimeSpan.Zero && value <= TimeSpan.FromHours(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Clock skew must be between zero and one hour; a larger leeway would let expired feeds and licenses through.");
    }

    /// <summary>
    /// Accept a feed (or stored feed state) past its <c>exp</c>. This gives up protection against a
    /// frozen feed that hides new revocations; only for diagnosis or a documented air-gapped exception.
    /// </summary>
    public bool AllowStaleFeedUnsafe { get; init; }

    /// <summary>
    /// The purpose of the trusted keys that name none (a Flux or <c>ledgerctl keygen</c> set holds keys of
    /// one use, and the caller knows which): with "license", such keys may sign Flux-format license keys
    /// (typ <c>JWT</c>). Keys that name a purpose keep it. Null: unmarked keys are kept apart by the token
    /// type alone, so only <c>license+jwt</c> license keys are accepted from them.
    /// </summary>
    public string? UnmarkedKeyPurpose { get; init; }

    /// <summary>Largest feed or filter JWS accepted, in bytes (a full feed grows with the revocations it lists).</summary>
    public int MaxFeedBytes
    {
        get => maxFeedBytes;
        init => maxFeedBytes = value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The feed size limit must be positive.");
    }
}
