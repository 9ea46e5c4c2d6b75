using System.Text;
using System.Text.Json;

namespace Ledger.Crypto;

/// <summary>
/// Compact JWS with EdDSA (Ed25519) only. jose-jwt frames what Sign writes; its settings here know exactly
/// one algorithm, "EdDSA", backed by NSec. Verify parses the token once, itself: it checks the header
/// against a fixed policy before any key is touched (the token never chooses the algorithm or the key),
/// then verifies the signing input with NSec.
/// </summary>
public static class Jws
{
    public const string Algorithm = JsonWebKey.AlgorithmEdDsa;

    // Set by Sign from its own parameters, or refused by Verify: never taken from extraHeaders.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.Ordinal)
    {
        "alg", "kid", "typ", "crit", "b64", "jwk", "jku", "x5u", "x5c",
    };

    private static readonly string[] KeyCarryingHeaders = ["jwk", "jku", "x5u", "x5c"];

    private static readonly Jose.JwtSettings Settings = CreateSettings();

    /// <summary>Signs <paramref name="payload"/>; the header is {"alg":"EdDSA","kid":kid[,"typ":typ], ...extraHeaders}.</summary>
    public static string Sign(ReadOnlySpan<byte> payload, Ed25519SigningKey key, string kid, string? typ = null, IReadOnlyDictionary<string, object>? extraHeaders = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SignWithHeader(payload, key, HeaderMembers(kid, typ, extraHeaders));
    }

    /// <summary>
    /// The encoded protected header <see cref="Sign"/> would write, for signing where the private key
    /// lives elsewhere (a custody service or HSM): sign <see cref="SigningInput"/>, then <see cref="Compact"/>.
    /// </summary>
    public static string ProtectedHeader(string kid, string? typ = null, IReadOnlyDictionary<string, object>? extraHeaders = null)
    {
        var header = new Dictionary<string, object>(StringComparer.Ordinal) { ["alg"] = Algorithm };
        foreach (var (name, value) in HeaderMembers(kid, typ, extraHeaders))
        {
            header[name] = value;
        }

        return Base64Url.Encode(Encoding.UTF8.GetBytes(JoseJsonMapper.Instance.Serialize(header)));
    }

    /// <summary>ASCII(protectedHeader || '.' || BASE64URL(payload)): the bytes an Ed25519 key signs (RFC 7515 §5.1).</summary>
    public static byte[] SigningInput(string protectedHeader, ReadOnlySpan<byte> payload)
    {
        if (protectedHeader is null || !Base64Url.TryDecode(protectedHeader, out _) || protectedHeader.Length == 0)
        {
            throw new ArgumentException("The protected header must be the non-empty base64url text from ProtectedHeader.", nameof(protectedHeader));
        }

        return Encoding.ASCII.GetBytes(protectedHeader + "." + Base64Url.Encode(payload));
    }

    /// <summary>Joins a signing input and its 64-byte Ed25519 signature into a compact JWS.</summary>
    public static string Compact(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Ed25519Signature.SignatureLength)
        {
            throw new ArgumentException($"An Ed25519 signature is 64 bytes, not {signature.Length}.", nameof(signature));
        }

        var text = Encoding.ASCII.GetString(signingInput);
        if (text.Split('.').Length != 2)
        {
            throw new ArgumentException("The signing input must be 'header.payload' as returned by SigningInput.", nameof(signingInput));
        }

        return text + "." + Base64Url.Encode(signature);
    }

    /// <summary>Verifies a compact JWS against trusted keys. Never throws for a bad token; the result says why.</summary>
    public static JwsVerification Verify(string compact, JsonWebKeySet trusted, JwsVerifyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        try
        {
            return VerifyCore(compact, trusted, options ?? JwsVerifyOptions.Default);
        }
        catch (Exception)
        {
            // Fail closed on anything this code did not foresee.
            return JwsVerification.Fail(JwsFailure.Malformed, "The token could not be processed.");
        }
    }

    private static Dictionary<string, object> HeaderMembers(string kid, string? typ, IReadOnlyDictionary<string, object>? extraHeaders)
    {
        KeyId.Require(kid, nameof(kid));
        var header = new Dictionary<string, object>(StringComparer.Ordinal) { ["kid"] = kid };
        if (typ is not null)
        {
            if (string.IsNullOrWhiteSpace(typ))
            {
                throw new ArgumentException("typ, when given, must not be blank.", nameof(typ));
            }

            header["typ"] = typ;
        }

        foreach (var (name, value) in extraHeaders ?? new Dictionary<string, object>())
        {
            if (ReservedHeaders.Contains(name))
            {
                throw new ArgumentException($"Header '{name}' cannot be passed in extraHeaders: alg, kid and typ come from their own parameters, and Ledger's verifier refuses crit, b64, jwk, jku, x5u and x5c.", nameof(extraHeaders));
            }

            header[name] = value;
        }

        return header;
    }

    /// <summary>
    /// The header's kid, read without verifying anything, to pick which trusted key set to verify
    /// against. Null when the token has no readable kid. Never trust it before <see cref="Verify"/>.
    /// </summary>
    public static string? PeekKid(string compact)
    {
        try
        {
            var dot = compact.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot > 2048 || !Base64Url.TryDecode(compact.AsSpan(0, dot), out var headerBytes))
            {
                return null;
            }

            var header = StrictJson.ParseObject(headerBytes, "JWS protected header");
            return header.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String && KeyId.IsValid(kid.GetString())
                ? kid.GetString()
                : null;
        }
        catch (JoseException)
        {
            return null;
        }
    }

    /// <summary>Signs with exactly the given header members after "alg" (used for RFC test vectors that have no kid).</summary>
    internal static string SignWithHeader(ReadOnlySpan<byte> payload, Ed25519SigningKey key, Dictionary<string, object> header) =>
        Jose.JWT.EncodeBytes(payload.ToArray(), key, Algorithm, header, Settings);

    private static JwsVerification VerifyCore(string compact, JsonWebKeySet trusted, JwsVerifyOptions options)
    {
        if (string.IsNullOrEmpty(compact))
        {
            return JwsVerification.Fail(JwsFailure.Malformed, "The token is empty.");
        }

        if (compact.Length > options.MaxTokenBytes)
        {
            return JwsVerification.Fail(JwsFailure.TooLarge, $"The token is {compact.Length} bytes; at most {options.MaxTokenBytes} are accepted.");
        }

        var firstDot = compact.IndexOf('.');
        var secondDot = firstDot < 0 ? -1 : compact.IndexOf('.', firstDot + 1);
        if (secondDot < 0 || compact.IndexOf('.', secondDot + 1) >= 0)
        {
            return JwsVerification.Fail(JwsFailure.Malformed, $"A compact JWS has 3 dot-separated parts; this token has {compact.Count(c => c == '.') + 1}.");
        }

        var encodedHeader = compact.AsSpan(0, firstDot);
        var encodedPayload = compact.AsSpan(firstDot + 1, secondDot - firstDot - 1);
        var encodedSignature = compact.AsSpan(secondDot + 1);
        if (encodedHeader.Length > ((options.MaxHeaderBytes + 2) / 3 * 4))
        {
            return JwsVerification.Fail(JwsFailure.TooLarge, $"The protected header is larger than {options.MaxHeaderBytes} bytes.");
        }

        if (!Base64Url.TryDecode(encodedHeader, out var headerBytes))
        {
            return JwsVerification.Fail(JwsFailure.Malformed, "The protected header is not canonical base64url.");
        }

        if (headerBytes.Length > options.MaxHeaderBytes)
        {
            return JwsVerification.Fail(JwsFailure.TooLarge, $"The protected header is {headerBytes.Length} bytes; at most {options.MaxHeaderBytes} are accepted.");
        }

        JsonElement header;
        try
        {
            header = StrictJson.ParseObject(headerBytes, "JWS protected header");
        }
        catch (JoseException ex)
        {
            return JwsVerification.Fail(JwsFailure.Malformed, ex.Message);
        }

        if (!header.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
        {
            return JwsVerification.Fail(JwsFailure.Malformed, "The protected header has no string 'alg'.");
        }

        if (!string.Equals(alg.GetString(), Algorithm, StringComparison.Ordinal))
        {
            return JwsVerification.Fail(JwsFailure.UnsupportedAlgorithm, $"Header alg '{JsonWebKey.Printable(alg.GetString()!)}' is refused; Ledger accepts exactly 'EdDSA'.");
        }

        foreach (var name in new[] { "crit", "b64" })
        {
            if (header.TryGetProperty(name, out _))
            {
                return JwsVerification.Fail(JwsFailure.CriticalHeader, $"Header '{name}' names an extension Ledger does not implement; sign without it.");
            }
        }

        foreach (var name in KeyCarryingHeaders)
        {
            if (header.TryGetProperty(name, out _))
            {
                return JwsVerification.Fail(JwsFailure.ForbiddenHeader, $"Header '{name}' carries or points at a key; Ledger takes keys only from the trusted JWKS.");
            }
        }

        if (header.TryGetProperty("typ", out var typ) && typ.ValueKind != JsonValueKind.String)
        {
            return JwsVerification.Fail(JwsFailure.Malformed, "Header 'typ' must be a string.");
        }

        if (options.RequiredType is { } requiredType
            && (typ.ValueKind != JsonValueKind.String || !string.Equals(typ.GetString(), requiredType, StringComparison.OrdinalIgnoreCase)))
        {
            return JwsVerification.Fail(JwsFailure.WrongType, $"Header typ must be '{requiredType}'.");
        }

        if (!header.TryGetProperty("kid", out var kidElement) || kidElement.ValueKind != JsonValueKind.String)
        {
            return JwsVerification.Fail(JwsFailure.Malformed, "The protected header has no string 'kid'; Ledger tokens always name their key.");
        }

        var kid = kidElement.GetString();
        if (!KeyId.IsValid(kid))
        {
            return JwsVerification.Fail(JwsFailure.Malformed, $"Header kid must match {KeyId.Pattern}; got {KeyId.Describe(kid)}.");
        }

        var key = trusted.Find(kid!);
        if (key is null)
        {
            return JwsVerification.Fail(JwsFailure.UnknownKey, $"No trusted key has kid '{kid}'; refresh the JWKS if the key is new.", kid);
        }

        if (!key.IsEd25519 || key.Use == JsonWebKey.UseEncryption)
        {
            return JwsVerification.Fail(JwsFailure.UnknownKey, $"Trusted key '{kid}' is {key.Kty}/{key.Crv}, not an Ed25519 signing key.", kid, key);
        }

        if (key.Alg is not null && key.Alg != Algorithm)
        {
            return JwsVerification.Fail(JwsFailure.UnsupportedAlgorithm, $"Trusted key '{kid}' is bound to alg '{key.Alg}', not 'EdDSA'.", kid, key);
        }

        if (!Base64Url.TryDecode(encodedPayload, out var payload))
        {
            return JwsVerification.Fail(JwsFailure.Malformed, "The payload is not canonical base64url.", kid, key);
        }

        if (encodedSignature.IsEmpty)
        {
            return JwsVerification.Fail(JwsFailure.BadSignature, "The signature is empty.", kid, key);
        }

        if (!Base64Url.TryDecode(encodedSignature, out var signature))
        {
            return JwsVerification.Fail(JwsFailure.Malformed, "The signature is not canonical base64url.", kid, key);
        }

        if (signature.Length != Ed25519Signature.SignatureLength)
        {
            return JwsVerification.Fail(JwsFailure.BadSignature, $"An Ed25519 signature is 64 bytes; this one is {signature.Length}.", kid, key);
        }

        // Every part has been checked above (alg pinned, no crit or b64, canonical base64url), so the
        // signing input is the token's own text up to the second dot, ASCII by construction: verify it
        // here rather than hand the token to a second parser that would frame it all again.
        var signingInput = new byte[secondDot];
        Encoding.ASCII.GetBytes(compact.AsSpan(0, secondDot), signingInput);
        if (!Ed25519Signature.Verify(key.Ed25519PublicKey(), signingInput, signature))
        {
            return JwsVerification.Fail(JwsFailure.BadSignature, $"The signature does not verify under key '{kid}'.", kid, key);
        }

        return new JwsVerification(true, JwsFailure.None, kid, key, payload, header);
    }

    private static Jose.JwtSettings CreateSettings()
    {
        var settings = new Jose.JwtSettings().RegisterMapper(JoseJsonMapper.Instance);
        foreach (var builtIn in Enum.GetValues<Jose.JwsAlgorithm>())
        {
            settings.DeregisterJws(builtIn);
        }

        return settings.RegisterJws(Algorithm, new EdDsaJwsAlgorithm());
    }
}
