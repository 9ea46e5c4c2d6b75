namespace Ledger.IntegrationEvents.V1;

/// <summary>A license's expiry moved; a new license key was issued (revision increased).</summary>
public sealed record LicenseRenewed(Guid LicenseId, string Issuer, DateTimeOffset PreviousExpiresAt, DateTimeOffset ExpiresAt, int Revision, DateTimeOffset RenewedAt);
