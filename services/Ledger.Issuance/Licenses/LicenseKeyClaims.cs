using System.Text.Json;

namespace Ledger.Issuance.Licenses;

/// <summary>
/// The claims of a license key (the JWS payload). Customer name and contact stay in the
/// ledger; the token names the customer only by pseudonym (<c>sub</c>).
/// </summary>
public static class LicenseKeyClaims
{
    public const string TokenType = "license+jwt";

    public static byte[] Build(
        string issuer, Guid licenseId, string subject, string audience, string product, string? edition,
        IReadOnlyList<string> capabilities, DateTimeOffset issuedAt, DateTimeOffset validFrom, DateTimeOffset expiresAt, int revision)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("iss", issuer);
            json.WriteString("sub", subject);
            json.WriteString("aud", audience);
            json.WriteString("jti", licenseId.ToString());
            json.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("nbf", validFrom.ToUnixTimeSeconds());
            json.WriteNumber("exp", expiresAt.ToUnixTimeSeconds());
            json.WriteStartArray("caps");
            foreach (var capability in capabilities)
            {
                json.WriteStringValue(capability);
            }

            json.WriteEndArray();
            json.WriteString("product", product);
            if (!string.IsNullOrEmpty(edition))
            {
                json.WriteString("edition", edition);
            }

            json.WriteNumber("rev", revision);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
