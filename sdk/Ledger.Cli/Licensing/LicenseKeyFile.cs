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
    /// The claims of a license key (Ledger's or the Flux format) whose signature verifies with a key of
    /// <paramref name="trusted"/> marked for licenses. Validity and revocation are not checked: this is for
    /// acting on a genuine license key (revoking, importing), not for honouring one.
    /// </summary>
    public static LicenseClaims VerifiedClaims(string licenseKey, JsonWebKeySet trusted)
    {
        var verification = Jws.Verify(licenseKey, trusted);
        if (!verification.IsValid || verification.Payload is null)
        {
            throw CliFailure.Refused($"The license key does not verify with the given keys ({verification.Failure}: {verification.Detail}); only genuine license keys are accepted. Check -k/--key-set.");
        }

        var typ = verification.Header is { } header && header.TryGetProperty("typ", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
        var isLicense = string.Equals(typ, LicenseClaims.TokenType, StringComparison.OrdinalIgnoreCase)
            || (string.Equals(typ, LicenseClaims.FluxTokenType, StringComparison.OrdinalIgnoreCase) && verification.Key?.Purpose == "license");
        if (!isLicense)
        {
            throw CliFailure.Refused($"The token is signed by key '{verification.Kid}' but is not a license key (typ '{typ}', key purpose '{verification.Key?.Purpose}').");
        }

        try
        {
            return LicenseClaims.Parse(verification.Payload);
        }
        catch (FeedFormatException e)
        {
            throw CliFailure.Refused($"The license key is signed but its claims are malformed: {e.Message}");
        }
    }

    /// <summary>
    /// The claims, read WITHOUT verifying the signature: only to fill in defaults (which issuer and
    /// audience to expect) before the verifier checks everything. Null when unreadable.
    /// </summary>
    /// <summary>Whether the key is in the Flux Operator's format (header typ <c>JWT</c>), read without verifying it.</summary>
    public static bool IsFluxFormat(string licenseKey)
    {
        var header = licenseKey.Split('.')[0];
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(Base64Url.Decode(header));
            return json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && json.RootElement.TryGetProperty("typ", out var typ) && typ.ValueKind == System.Text.Json.JsonValueKind.String
                   && typ.GetString() == "JWT";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
        {
            return false;
        }
    }

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
