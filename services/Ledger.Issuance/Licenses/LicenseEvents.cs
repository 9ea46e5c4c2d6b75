namespace Ledger.Issuance.Licenses;

/// <summary>An event in one license's stream (stream id = license id).</summary>
public interface ILicenseEvent
{
    Guid LicenseId { get; }

    DateTimeOffset At { get; }

    /// <summary>The client that asked, or "ledger" for events the ledger records by itself.</summary>
    string RequestedBy { get; }

    string? IdempotencyKey { get; }
}

/// <summary>A license key that Notary signed: the token and the kid that signed it.</summary>
public sealed record SignedLicenseKey(string Token, string Kid, int Revision);

public sealed record LicenseIssued(
    Guid LicenseId,
    string CustomerId,
    string CustomerName,
    string? CustomerContact,
    string Subject,
    string Product,
    string? Edition,
    string Audience,
    IReadOnlyList<string> Capabilities,
    DateTimeOffset ValidFrom,
    DateTimeOffset ExpiresAt,
    SignedLicenseKey Key,
    DateTimeOffset At,
    string RequestedBy,
    string? IdempotencyKey,
    string? Profile = null) : ILicenseEvent;

public sealed record LicenseRenewed(
    Guid LicenseId, DateTimeOffset PreviousExpiresAt, DateTimeOffset ExpiresAt, SignedLicenseKey Key,
    DateTimeOffset At, string RequestedBy, string? IdempotencyKey) : ILicenseEvent;

public sealed record LicenseCapabilitiesChanged(
    Guid LicenseId, IReadOnlyList<string> Capabilities, SignedLicenseKey Key,
    DateTimeOffset At, string RequestedBy, string? IdempotencyKey) : ILicenseEvent;

/// <summary>Revocation told us the license is revoked; appended once per revocation message.</summary>
public sealed record LicenseRevocationRecorded(
    Guid LicenseId, string Reason, DateTimeOffset RevokedAt, Guid RevocationMessageId,
    DateTimeOffset At, string RequestedBy, string? IdempotencyKey) : ILicenseEvent;

/// <summary>
/// A license key signed outside the ledger (the Flux Operator's distro tooling) was recorded as a
/// license: <see cref="ClaimsJson"/> is its payload exactly as signed and <see cref="Key"/> the key
/// verbatim (revision 1). <see cref="IssuedAt"/>, <see cref="ValidFrom"/> and <see cref="ExpiresAt"/>
/// are its iat, nbf and exp; <see cref="At"/> is when it was imported.
/// </summary>
public sealed record LicenseImported(
    Guid LicenseId,
    string CustomerId,
    string CustomerName,
    string Subject,
    string Product,
    string? Edition,
    IReadOnlyList<string> Audiences,
    IReadOnlyList<string> Capabilities,
    DateTimeOffset IssuedAt,
    DateTimeOffset ValidFrom,
    DateTimeOffset ExpiresAt,
    string Profile,
    string ClaimsJson,
    SignedLicenseKey Key,
    DateTimeOffset At,
    string RequestedBy,
    string? IdempotencyKey) : ILicenseEvent;
