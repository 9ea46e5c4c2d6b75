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
