namespace Ledger.Issuance.Licenses;

public enum LicenseStatus
{
    Active,
    NotYetValid,
    Expired,
    Revoked,
}

/// <summary>A license's current state, rebuilt from its stream and kept as a document (inline).</summary>
public sealed class License
{
    public Guid Id { get; set; }

    public int Version { get; set; }

    public string CustomerId { get; set; } = "";

    public string CustomerName { get; set; } = "";

    public string? CustomerContact { get; set; }

    public string Subject { get; set; } = "";

    public string Product { get; set; } = "";

    public string? Edition { get; set; }

    public string Audience { get; set; } = "";

    public List<string> Capabilities { get; set; } = [];

    public DateTimeOffset ValidFrom { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public string LicenseKey { get; set; } = "";

    public string Kid { get; set; } = "";

    public int Revision { get; set; }

    public bool Revoked { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevocationReason { get; set; }

    /// <summary>The format of its keys (<see cref="LicenseProfile"/>); "ledger" for licenses issued before profiles existed.</summary>
    public string Profile { get; set; } = LicenseProfile.Ledger;

    /// <summary>Every audience of its keys, when more than <see cref="Audience"/> (an imported Flux key may name several).</summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>Recorded by ImportLicenses: its first key was signed outside the ledger.</summary>
    public bool Imported { get; set; }

    public LicenseStatus StatusAt(DateTimeOffset now) =>
        Revoked ? LicenseStatus.Revoked
        : now >= ExpiresAt ? LicenseStatus.Expired
        : now < ValidFrom ? LicenseStatus.NotYetValid
        : LicenseStatus.Active;

    public static License Create(LicenseIssued e) => new()
    {
        Id = e.LicenseId,
        CustomerId = e.CustomerId,
        CustomerName = e.CustomerName,
        CustomerContact = e.CustomerContact,
        Subject = e.Subject,
        Product = e.Product,
        Edition = e.Edition,
        Audience = e.Audience,
        Capabilities = [.. e.Capabilities],
        ValidFrom = e.ValidFrom,
        ExpiresAt = e.ExpiresAt,
        IssuedAt = e.At,
        LicenseKey = e.Key.Token,
        Kid = e.Key.Kid,
        Revision = e.Key.Revision,
        Profile = e.Profile ?? LicenseProfile.Ledger,
    };

    public static License Create(LicenseImported e) => new()
    {
        Id = e.LicenseId,
        CustomerId = e.CustomerId,
        CustomerName = e.CustomerName,
        Subject = e.Subject,
        Product = e.Product,
        Edition = e.Edition,
        Audience = e.Audiences[0],
        Audiences = [.. e.Audiences],
        Capabilities = [.. e.Capabilities],
        ValidFrom = e.ValidFrom,
        ExpiresAt = e.ExpiresAt,
        IssuedAt = e.IssuedAt,
        LicenseKey = e.Key.Token,
        Kid = e.Key.Kid,
        Revision = e.Key.Revision,
        Profile = e.Profile,
        Imported = true,
    };

    public void Apply(LicenseRenewed e)
    {
        ExpiresAt = e.ExpiresAt;
        LicenseKey = e.Key.Token;
        Kid = e.Key.Kid;
        Revision = e.Key.Revision;
    }

    public void Apply(LicenseCapabilitiesChanged e)
    {
        Capabilities = [.. e.Capabilities];
        LicenseKey = e.Key.Token;
        Kid = e.Key.Kid;
        Revision = e.Key.Revision;
    }

    public void Apply(LicenseRevocationRecorded e)
    {
        Revoked = true;
        RevokedAt = e.RevokedAt;
        RevocationReason = e.Reason;
    }
}
