using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>
/// The claims of a license key whose signature verified (<c>jti</c>, <c>iss</c>, <c>sub</c>, <c>aud</c>,
/// <c>iat</c>, <c>nbf</c>, <c>exp</c>, <c>caps</c>, <c>product</c>, <c>edition</c>, <c>rev</c>). Two
/// formats share them: Ledger's (typ <see cref="TokenType"/>, <c>aud</c> a string, UUIDv7 <c>jti</c>)
/// and the Flux Operator's (typ <see cref="FluxTokenType"/>, <c>aud</c> an array, UUIDv6 <c>jti</c>,
/// <c>caps</c> omitted when empty, no <c>rev</c>): <see cref="ToFluxJson"/> writes the latter.
/// </summary>
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

    /// <summary>The typ the Flux Operator's distro tooling writes on license keys (and on attestations).</summary>
    public const string FluxTokenType = "JWT";

    /// <summary>The only audience the Flux Operator writes and accepts.</summary>
    public const string FluxAudience = "flux-operator";

    private const int MaxAudiences = 16;

    private const int MaxTextLength = 256;
    private const int MaxCapabilities = 1024;
    private const string What = "license key claims";

    private static readonly JsonElement EmptyArray = JsonElement.Parse("[]");

    /// <summary>Every audience of the <c>aud</c> claim (an array in the Flux format); <see cref="Audience"/> is the first.</summary>
    public IReadOnlyList<string> Audiences
    {
        get => audiences ?? [Audience];
        init => audiences = value;
    }

    private readonly IReadOnlyList<string>? audiences;

    /// <summary>
    /// The JWS payload of a Flux Operator license key: <c>aud</c> as the array of <see cref="Audiences"/>,
    /// <c>caps</c> only when there are capabilities, <c>product</c>/<c>edition</c> when set, no <c>rev</c>.
    /// The Flux verifier requires a UUIDv6 <c>jti</c>; the caller makes the id.
    /// </summary>
    public byte[] ToFluxJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("jti", LicenseId.ToString());
            json.WriteString("iss", Issuer);
            json.WriteString("sub", Subject);
            json.WriteStartArray("aud");
            foreach (var audience in Audiences)
            {
                json.WriteStringValue(audience);
            }

            json.WriteEndArray();
            json.WriteNumber("exp", ExpiresAt.ToUnixTimeSeconds());
            json.WriteNumber("nbf", NotBefore.ToUnixTimeSeconds());
            json.WriteNumber("iat", IssuedAt.ToUnixTimeSeconds());
            if (Capabilities.Count > 0)
            {
                json.WriteStartArray("caps");
                foreach (var capability in Capabilities)
                {
                    json.WriteStringValue(capability);
                }

                json.WriteEndArray();
            }

            if (!string.IsNullOrEmpty(Product))
            {
                json.WriteString("product", Product);
            }

            if (!string.IsNullOrEmpty(Edition))
            {
                json.WriteString("edition", Edition);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The Flux Operator's customer pseudonym: <c>c-</c> and the first 8 bytes of SHA-256(customer) in lowercase hex.</summary>
    public static string FluxSubject(string customer) =>
        "c-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(customer)).AsSpan(0, 8));

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

    /// <summary>
    /// Reads claims written by <see cref="ToJson"/> or <see cref="ToFluxJson"/> (or any issuer following
    /// either format). Claims carrying <c>digests</c> are an attestation, not a license, and are refused:
    /// the Flux format signs both with one key and one typ.
    /// </summary>
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

        if (claims.Has("digests"))
        {
            throw new FeedFormatException("The token carries 'digests': it is an attestation, not a license key.");
        }

        var capabilities = new List<string>();
        // Flux omits 'caps' when a license grants none.
        var caps = claims.Has("caps") ? claims.Array("caps", MaxCapabilities) : EmptyArray;
        foreach (var item in caps.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || JsonMembers.StringValue(item, What) is not { Length: > 0 and <= MaxTextLength } capability)
            {
                throw new FeedFormatException($"The license key's 'caps' must hold only non-empty strings of at most {MaxTextLength} characters.");
            }

            capabilities.Add(capability);
        }

        var revision = claims.Has("rev") ? claims.Integer("rev", 0, int.MaxValue) : 0;
        var audiences = ReadAudiences(document.RootElement);
        return new LicenseClaims(
            licenseId,
            claims.String("iss", MaxTextLength),
            claims.String("sub", MaxTextLength),
            audiences[0],
            claims.NumericDate("iat"),
            claims.NumericDate("nbf"),
            claims.NumericDate("exp"),
            capabilities,
            claims.OptionalString("product", MaxTextLength),
            claims.OptionalString("edition", MaxTextLength),
            (int)revision)
        {
            Audiences = audiences,
        };
    }

    private static IReadOnlyList<string> ReadAudiences(JsonElement root)
    {
        if (!root.TryGetProperty("aud", out var aud))
        {
            throw new FeedFormatException("The license key has no 'aud' claim.");
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            return [RequireText(JsonMembers.StringValue(aud, What))];
        }

        if (aud.ValueKind != JsonValueKind.Array || aud.GetArrayLength() is 0 or > MaxAudiences)
        {
            throw new FeedFormatException($"The license key's 'aud' must be a string or an array of 1-{MaxAudiences} strings.");
        }

        return [.. aud.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String
            ? RequireText(JsonMembers.StringValue(item, What))
            : throw new FeedFormatException("The license key's 'aud' array must hold only strings."))];

        static string RequireText(string value) => value is { Length: > 0 and <= MaxTextLength }
            ? value
            : throw new FeedFormatException($"Every audience in 'aud' must be 1-{MaxTextLength} characters.");
    }
}
