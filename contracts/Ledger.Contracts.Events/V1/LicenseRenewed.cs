namespace Ledger.IntegrationEvents.V1;

/// <summary>
/// A license's expiry moved; a new license key was issued (revision increased), signed by the Notary key
/// <see cref="SigningKeyId"/> (its kid; null in events published before it was carried).
/// </summary>
public sealed record LicenseRenewed(
    Guid LicenseId, string Issuer, DateTimeOffset PreviousExpiresAt, DateTimeOffset ExpiresAt, int Revision, DateTimeOffset RenewedAt, string? SigningKeyId = null);
