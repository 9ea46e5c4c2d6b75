namespace Ledger.Verification;

/// <summary>
/// The outcome of <see cref="RevocationFeeds.Accept"/>: <see cref="VerificationStatus.Valid"/> with the
/// new state to persist, or the reason the feed was refused (and no state).
/// </summary>
public sealed record FeedAcceptance(VerificationStatus Status, string Detail, FeedState? State)
{
    public bool IsAccepted => Status == VerificationStatus.Valid && State is not null;

    internal static FeedAcceptance Refuse(VerificationStatus status, string detail) => new(status, detail, null);
}
