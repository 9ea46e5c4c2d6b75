namespace Ledger.IntegrationEvents.V1;

/// <summary>
/// A license key signed outside the ledger (the Flux Operator's distro tooling) was recorded as a
/// license. Like <see cref="LicenseIssued"/>, but <see cref="IssuedAt"/> is the key's own iat (it may
/// be long ago) and <see cref="ImportedAt"/> when the ledger recorded it. Carries no customer name.
/// <see cref="SigningKeyId"/> is the kid in the imported key's JWS header (the key Notary holds for it);
/// null in events published before it was carried.
/// </summary>
public sealed record LicenseImported(
    Guid LicenseId,
    string Issuer,
    string CustomerId,
    string Subject,
    string Product,
    string? Edition,
    string Audience,
    IReadOnlyList<string> Capabilities,
    DateTimeOffset ValidFrom,
    DateTimeOffset ExpiresAt,
    DateTimeOffset IssuedAt,
    DateTimeOffset ImportedAt,
    string? SigningKeyId = null);
