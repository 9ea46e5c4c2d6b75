namespace Ledger.Revocation.KnownLicenses;

/// <summary>A license Revocation learned of from LicenseIssued/LicenseRenewed: only what revoking and feeds need.</summary>
public sealed class KnownLicense
{
    public Guid Id { get; set; }

    public string Issuer { get; set; } = "";

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
