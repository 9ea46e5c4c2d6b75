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

    /// <exception cref="FeedFormatException">A claim is missing or has the wrong type.</exception>
    internal static LicenseClaims Parse(ReadOnlySpan<byte> payload)
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
