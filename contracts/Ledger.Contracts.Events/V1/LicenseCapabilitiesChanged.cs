namespace Ledger.IntegrationEvents.V1;

/// <summary>
/// A license's capabilities were replaced; a new license key was issued (revision increased), signed by the
/// Notary key <see cref="SigningKeyId"/> (its kid; null in events published before it was carried).
/// </summary>
public sealed record LicenseCapabilitiesChanged(
    Guid LicenseId, string Issuer, IReadOnlyList<string> Capabilities, int Revision, DateTimeOffset ChangedAt, string? SigningKeyId = null);
