using System.Text.Json;

namespace Ledger.Crypto;

/// <summary>
/// The short-lived token a client signs with its own Ed25519 key to call a Ledger service:
/// compact JWS, header <c>{"alg":"EdDSA","kid":&lt;client key&gt;,"typ":"ledger-client+jwt"}</c>,
/// claims <c>iss</c> (client id), <c>aud</c> (the service), <c>iat</c>, <c>exp</c> (at most
/// <see cref="MaxLifetime"/> later) and a unique <c>jti</c>. Sent as <c>authorization: Bearer</c>.
/// </summary>
public static class ClientToken
{
    public const string TokenType = "ledger-client+jwt";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(10);

    public static string Mint(Ed25519SigningKey key, string kid, string clientId, string audience, DateTimeOffset now, TimeSpan? lifetime = null)
    {
        var claims = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = clientId,
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + (lifetime ?? DefaultLifetime)).ToUnixTimeSeconds(),
            ["jti"] = UuidV7.NewId().ToString(),
        });
        return Jws.Sign(claims, key, kid, TokenType);
    }

    /// <summary>The claims of a token whose signature already verified; null when a claim is missing or mistyped.</summary>
    public static Claims? ReadClaims(ReadOnlySpan<byte> payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload.ToArray());
            var root = document.RootElement;
            return new Claims(
                root.GetProperty("iss").GetString()!,
                root.GetProperty("aud").GetString()!,
                DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("iat").GetInt64()),
                DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64()),
                root.GetProperty("jti").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException or NullReferenceException)
        {
            return null;
        }
    }

    public sealed record Claims(string Issuer, string Audience, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string Id);
}
