using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>The claims of a license key whose signature verified (<c>jti</c>, <c>iss</c>, <c>sub</c>, <c>aud</c>, <c>iat</c>, <c>nbf</c>, <c>exp</c>, <c>caps</c>, <c>product</c>, <c>edition</c>, <c>rev</c>).</summary>
public sealed record LicenseClaims(
    Guid LicenseId,
    string Issuer,
    string Subject,
    string Audience,
    DateTimeOffset IssuedAt,
    DateTimeOffset NotBefore,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Capabilities,
    string? Product,
    string? Edition,
    int Revision)
{
    public const string TokenType = "license+jwt";

    private const int MaxTextLength = 256;
    private const int MaxCapabilities = 1024;
    private const string What = "license key claims";

    /// <summary>
    /// The JWS payload of a license key, written the one way issuers (Issuance, <c>ledgerctl sign
    /// license-key</c>) write it: times in whole Unix seconds, capabilities in the given order.
    /// </summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("iss", Issuer);
            json.WriteString("sub", Subject);
            json.WriteString("aud", Audience);
            json.WriteString("jti", LicenseId.ToString());
            json.WriteNumber("iat", IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber("nbf", NotBefore.ToUnixTimeSeconds());
            json.WriteNumber("exp", ExpiresAt.ToUnixTimeSeconds());
            json.WriteStartArray("caps");
            foreach (var capability in Capabilities)
            {
                json.WriteStringValue(capability);
            }

            json.WriteEndArray();
            if (!string.IsNullOrEmpty(Product))
            {
                json.WriteString("product", Product);
            }

            if (!string.IsNullOrEmpty(Edition))
            {
                json.WriteString("edition", Edition);
            }

            json.WriteNumber("rev", Revision);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads claims written by <see cref="ToJson"/> (or any issuer following the same format).</summary>
    /// <exception cref="FeedFormatException">A claim is missing or has the wrong type.</exception>
    public static LicenseClaims Parse(ReadOnlySpan<byte> payload)
    {
        using var document = JsonMembers.Parse(payload, What);
        var claims = JsonMembers.Of(document.RootElement, What, knownMembers: null);
        var jti = claims.String("jti", 36);
        if (!UuidV7.TryParse(jti, out var licenseId))
        {
            throw new FeedFormatException($"The license key's 'jti' must be a UUIDv7 (or v6) license id, got '{JsonMembers.Printable(jti)}'.");
        }

        var capabilities = new List<string>();
        foreach (var item in claims.Array("caps", MaxCapabilities).EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || JsonMembers.StringValue(item, What) is not { Length: > 0 and <= MaxTextLength } capability)
            {
                throw new FeedFormatException($"The license key's 'caps' must hold only non-empty strings of at most {MaxTextLength} characters.");
            }

            capabilities.Add(capability);
        }

        var revision = claims.Has("rev") ? claims.Integer("rev", 0, int.MaxValue) : 0;
        return new LicenseClaims(
            licenseId,
            claims.String("iss", MaxTextLength),
            claims.String("sub", MaxTextLength),
            claims.String("aud", MaxTextLength),
            claims.NumericDate("iat"),
            claims.NumericDate("nbf"),
            claims.NumericDate("exp"),
            capabilities,
            claims.OptionalString("product", MaxTextLength),
            claims.OptionalString("edition", MaxTextLength),
            (int)revision);
    }
}
