namespace Ledger.Issuance.Licenses;

/// <summary>What a license grants, validated: the input to issuing one.</summary>
public sealed record LicenseTerms(
    string CustomerId,
    string CustomerName,
    string? CustomerContact,
    string Product,
    string? Edition,
    string Audience,
    IReadOnlyList<string> Capabilities,
    DateTimeOffset ValidFrom,
    DateTimeOffset ExpiresAt,
    string Profile = LicenseProfile.Ledger);

/// <summary>The bounds a license must stay within; the gRPC layer reports violations by field.</summary>
public static class LicenseLimits
{
    public const int MinDurationDays = 1;
    public const int MaxDurationDays = 3650;
    public const int MaxCapabilities = 64;
    public const int MaxCapabilityLength = 64;
    public const int MaxValidFromAheadDays = 366;

    /// <summary>The latest expiry Notary signs a license key for (Ledger:Notary:Limits:LicenseExpiryDays): a new license's, or a renewal's.</summary>
    public const int MaxExpiryAheadDays = MaxDurationDays + MaxValidFromAheadDays;
    public const int MaxBatch = 100;
    public const int MaxTextLength = 200;

    /// <summary>Capabilities and product ids: lowercase, digits and <c>:._-</c>, so they compare exactly everywhere.</summary>
    public static bool IsIdentifier(string value, int maxLength) =>
        value.Length is > 0 and var length && length <= maxLength &&
        value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or ':' or '.' or '_' or '-');
}
