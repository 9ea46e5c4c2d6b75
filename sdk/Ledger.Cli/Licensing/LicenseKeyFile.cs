using Ledger.Cli.Files;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Licensing;

/// <summary>A license key as a file holds it: one compact JWS, surrounding whitespace ignored.</summary>
internal static class LicenseKeyFile
{
    private const long MaxBytes = 16 * 1024;

    public static string Read(string path) => LocalFiles.ReadText(path, MaxBytes, "license key file").Trim();

    /// <summary>
    /// The claims, read WITHOUT verifying the signature: only to fill in defaults (which issuer and
    /// audience to expect) before the verifier checks everything. Null when unreadable.
    /// </summary>
    public static LicenseClaims? PeekUnverified(string licenseKey)
    {
        var parts = licenseKey.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            return LicenseClaims.Parse(Base64Url.Decode(parts[1]));
        }
        catch (Exception e) when (e is FeedFormatException or FormatException)
        {
            return null;
        }
    }
}
