namespace Ledger.IntegrationEvents.V1;

/// <summary>A license was revoked, finally. Reason uses the RFC 5280 CRLReason vocabulary (keyCompromise, superseded, ...).</summary>
public sealed record LicenseRevoked(Guid LicenseId, string Issuer, string Reason, DateTimeOffset RevokedAt, long FeedVersion);
