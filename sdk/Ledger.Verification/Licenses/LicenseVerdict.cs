namespace Ledger.Verification;

/// <summary>
/// The outcome of an offline license check. <see cref="Claims"/> is set once the signature verified and
/// the claims parsed (so an expired or revoked license can be named), but only <see cref="IsValid"/>
/// means the license may be honoured. <see cref="Feed"/> is the feed state to persist: the new one when a
/// feed or filter was accepted, even if the license itself failed; null when the feed or filter was
/// refused, in which case keep the state you had.
/// </summary>
public sealed record LicenseVerdict(VerificationStatus Status, string Detail, LicenseClaims? Claims, FeedState? Feed)
{
    public bool IsValid => Status == VerificationStatus.Valid;
}
