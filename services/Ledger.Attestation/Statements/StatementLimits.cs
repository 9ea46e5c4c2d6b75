namespace Ledger.Attestation.Statements;

/// <summary>The bounds a statement stays within; requests beyond them are refused field by field.</summary>
public static class StatementLimits
{
    /// <summary>Notary signs payloads of at most 64 KiB.</summary>
    public const int MaxStatementBytes = 64 * 1024;

    /// <summary>A vendor's compact JWS: a full-size payload in base64url plus header and signature.</summary>
    public const int MaxSignedStatementBytes = 96 * 1024;

    /// <summary>What Verify accepts: a dual-signed JSON document around a full-size payload.</summary>
    public const int MaxAttestationBytes = 256 * 1024;

    public const int MaxArtifacts = 256;
    public const int MaxIgnoreSuffixes = 32;
    public const int MaxSuffixLength = 64;
    public const int MaxManifestNameLength = 200;
    public const int MaxIssuerLength = 256;
    public const int MaxVendorIdLength = 64;
    public const int MaxValidityYears = 10;

    /// <summary>A vendor's statement may be signed this far ahead of the ledger's clock.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>Vendor ids: lowercase, digits and <c>._-</c>, so they compare exactly everywhere.</summary>
    public static bool IsVendorId(string value) =>
        value.Length is > 0 and <= MaxVendorIdLength &&
        value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-');

    public const string VendorIdRule = "1 to 64 characters of a-z, 0-9, '.', '_', '-' (e.g. acme)";
}
