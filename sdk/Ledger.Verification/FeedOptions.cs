namespace Ledger.Verification;

/// <summary>Tuning for feed and license checks. Anything that weakens a check says Unsafe in its name.</summary>
public sealed record FeedOptions
{
    private readonly TimeSpan clockSkew = TimeSpan.FromMinutes(2);
    private readonly int maxFeedBytes = DefaultMaxFeedBytes;
    private readonly TimeSpan maxFeedLifetime = DefaultMaxFeedLifetime;

    /// <summary>
    /// The one size limit for feeds and filters: Revocation never signs a larger one, Notary refuses to,
    /// and every verifier accepts up to it.
    /// </summary>
    public const int DefaultMaxFeedBytes = 8 * 1024 * 1024;

    /// <summary>The longest lifetime (<c>exp - iat</c>) a feed or filter may have: Revocation refuses to be configured beyond it.</summary>
    public static readonly TimeSpan DefaultMaxFeedLifetime = TimeSpan.FromDays(7);

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
    /// A feed or filter that stays valid longer than this after it was signed is refused
    /// (<see cref="VerificationStatus.Malformed"/>): a copy signed for years would defeat freshness.
    /// </summary>
    public TimeSpan MaxFeedLifetime
    {
        get => maxFeedLifetime;
        init => maxFeedLifetime = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The feed lifetime limit must be positive.");
    }

    /// <summary>
    /// How far past the stored version a pruned full feed may be accepted (default 10,000, Revocation's
    /// largest delta). A pruned feed cannot be refolded, so a longer jump would trust a history the
    /// verifier could not check; page forward with deltas (<c>?since=</c>) instead. A full feed that
    /// pruned nothing is refolded and may jump any distance.
    /// </summary>
    public long MaxUnrefoldableVersionJump { get; init; } = 10_000;

    /// <summary>
    /// The purpose (<c>license</c>, <c>feed</c>, <c>attestation</c>) of every trusted key that has no
    /// <c>purpose</c> member, as in a Flux JWKS that holds one purpose per set. Null (the default):
    /// such keys are refused, since nothing says what they may sign.
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
