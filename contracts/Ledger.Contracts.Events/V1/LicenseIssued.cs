namespace Ledger.IntegrationEvents.V1;

/// <summary>A license was issued. Carries no customer name or contact, only the vendor's customer id and the token's pseudonym.</summary>
/// <remarks>
/// <see cref="SigningKeyId"/>: the kid (JWS header) of the Notary license key that signed the license key;
/// null in events published before it was carried (unknown, not "none").
/// </remarks>
public sealed record LicenseIssued(
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
    string? SigningKeyId = null);
