namespace Ledger.Revocation.Revocations;

/// <summary>
/// A license was revoked. Appended to the single revocation log stream, whose version is the
/// feed version; the chain hash after this entry is computed before commit.
/// </summary>
public sealed record LicenseWasRevoked(
    Guid LicenseId,
    string Issuer,
    string Reason,
    string? Comment,
    DateTimeOffset RevokedAt,
    DateTimeOffset LicenseExpiresAt,
    long FeedVersion,
    string PreviousChain,
    string Chain,
    string RequestedBy);

/// <summary>An attestation was withdrawn; it enters the same log, so feeds carry it beside licenses.</summary>
public sealed record AttestationWasRevoked(
    Guid AttestationId,
    string Reason,
    DateTimeOffset RevokedAt,
    DateTimeOffset ExpiresAt,
    long FeedVersion,
    string PreviousChain,
    string Chain,
    string RequestedBy);

/// <summary>
/// A downgrade (capabilities removed, or expiry shortened) re-keyed a license: keys with a revision below
/// <paramref name="MinimumRevision"/> are superseded. Learned from Issuance's event at
/// <paramref name="IssuanceSequence"/>, in Issuance's order, and appended to the revocation log as a
/// revision floor (feed entry kind <c>superseded</c>); <paramref name="ExpiresAt"/> is the latest expiry
/// of any key the license had then, so the floor is pruned only after every superseded key expired.
/// </summary>
public sealed record LicenseRevisionSuperseded(
    Guid LicenseId,
    string Issuer,
    int MinimumRevision,
    DateTimeOffset SupersededAt,
    DateTimeOffset ExpiresAt,
    long FeedVersion,
    string PreviousChain,
    string Chain,
    long IssuanceSequence);
