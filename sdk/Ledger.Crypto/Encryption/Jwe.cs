using System.Security.Cryptography;
using System.Text.Json;

namespace Ledger.Crypto;

/// <summary>
/// Compact JWE with ECDH-ES+A128KW/A256KW on P-256 and A128GCM/A256GCM content encryption, through
/// jose-jwt. Decryption checks the header against the allow-list and validates the ephemeral key before
/// the recipient's private key is used (invalid-curve attacks), and jose-jwt's settings here know only
/// the allowed algorithms.
/// </summary>
public static class Jwe
{
    private const string DecryptionFailed = "JWE decryption failed: the token was not encrypted to this key or was altered. Ask the sender to encrypt again to this key's current public JWK.";

    private static readonly Jose.JwtSettings Settings = CreateSettings(compressionLimit: null);

    private static readonly string[] KeyCarryingHeaders = ["jwk", "jku", "x5u", "x5c"];

    public static string Encrypt(ReadOnlySpan<byte> plaintext, JsonWebKey recipientPublicP256, JweAlgorithm alg = JweAlgorithm.EcdhEsA128KW, JweEncryption enc = JweEncryption.A128Gcm, string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(recipientPublicP256);
        var algName = Name(alg);
        var encName = Name(enc);
        RequireRecipient(recipientPublicP256, algName, needsPrivate: false);

        var headers = new Dictionary<string, object>(StringComparer.Ordinal);
        if (recipientPublicP256.Kid is { } kid)
        {
            headers["kid"] = kid;
        }

        if (contentType is not null)
        {
            headers["cty"] = contentType;
        }

        using var recipient = ECDiffieHellman.Create(recipientPublicP256.ToEcParameters(includePrivate: false));
        return Jose.JWT.EncodeBytes(plaintext.ToArray(), recipient, algName, encName, null, headers, Settings);
    }

    /// <exception cref="JoseException">The token is refused or does not decrypt; the message says which check failed.</exception>
    public static byte[] Decrypt(string compact, JsonWebKey recipientPrivateP256, JweDecryptOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(recipientPrivateP256);
        options ??= JweDecryptOptions.Default;

        if (string.IsNullOrEmpty(compact))
        {
            throw new JoseException("The JWE is empty.");
        }

        if (compact.Length > options.MaxTokenBytes)
        {
            throw new JoseException($"The JWE is {compact.Length} bytes; at most {options.MaxTokenBytes} are accepted (JweDecryptOptions.MaxTokenBytes).");
        }

        var parts = compact.Split('.');
        if (parts.Length != 5)
        {
            throw new JoseException($"A compact JWE has 5 dot-separated parts; this token has {parts.Length}. JSON serialization is not accepted.");
        }

        var header = ReadHeader(parts[0], options);
        var alg = StrictJson.RequiredString(header, "alg", "JWE protected header");
        var enc = StrictJson.RequiredString(header, "enc", "JWE protected header");
        if (alg != JsonWebKey.AlgorithmEcdhEsA128Kw && alg != JsonWebKey.AlgorithmEcdhEsA256Kw)
        {
            throw new JoseException($"JWE alg '{JsonWebKey.Printable(alg)}' is refused; Ledger accepts ECDH-ES+A128KW and ECDH-ES+A256KW.");
        }

        var cekLength = enc switch
        {
            "A128GCM" => 16,
            "A256GCM" => 32,
            _ => throw new JoseException($"JWE enc '{JsonWebKey.Printable(enc)}' is refused; Ledger accepts A128GCM and A256GCM."),
        };

        if (options.FluxProfile && (alg != JsonWebKey.AlgorithmEcdhEsA128Kw || enc != "A128GCM"))
        {
            throw new JoseException($"The JWE uses {JsonWebKey.Printable(alg)}/{JsonWebKey.Printable(enc)}; only ECDH-ES+A128KW with A128GCM is accepted here (the Flux distro format).");
        }

        if (options.FluxProfile && StrictJson.OptionalString(header, "kid", "JWE protected header") is null)
        {
            throw new JoseException("The JWE header has no 'kid'; the key it was encrypted to must be named (the Flux distro format requires it).");
        }

        CheckHeaderMembers(header, options);
        CheckEphemeralKey(header);
        RequireRecipient(recipientPrivateP256, alg, needsPrivate: true);

        if (StrictJson.OptionalString(header, "kid", "JWE protected header") is { } headerKid
            && recipientPrivateP256.Kid is { } recipientKid
            && !string.Equals(headerKid, recipientKid, StringComparison.Ordinal))
        {
            throw new JoseException($"The JWE was encrypted to kid {KeyId.Describe(headerKid)}, not to '{recipientKid}'; decrypt it with that key.");
        }

        RequireLength(parts[1], cekLength + 8, "encrypted key");
        RequireLength(parts[2], 12, "initialization vector");
        RequireLength(parts[4], 16, "authentication tag");
        if (!Base64Url.TryDecode(parts[3], out _))
        {
            throw new JoseException("The JWE ciphertext is not canonical base64url.");
        }

        var settings = options.AllowCompressionUnsafe ? CreateSettings(options.MaxDecompressedBytes) : Settings;
        using var recipient = ECDiffieHellman.Create(recipientPrivateP256.ToEcParameters(includePrivate: true));
        try
        {
            return Jose.JWT.DecryptBytes(compact, recipient, alg, enc, settings);
        }
        catch (Exception)
        {
            // One message for every failure past this point, so errors reveal nothing about which step failed.
            throw new JoseException(DecryptionFailed);
        }
    }

    /// <summary>A new P-256 encryption key, private (with 'd'); publish only <see cref="JsonWebKey.ToPublic"/>.</summary>
    public static JsonWebKey GenerateP256(string kid)
    {
        KeyId.Require(kid, nameof(kid));
        using var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdh.ExportParameters(includePrivateParameters: true);
        try
        {
            return JsonWebKey.FromP256(parameters, kid);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    internal static string Name(JweAlgorithm alg) => alg switch
    {
        JweAlgorithm.EcdhEsA128KW => JsonWebKey.AlgorithmEcdhEsA128Kw,
        JweAlgorithm.EcdhEsA256KW => JsonWebKey.AlgorithmEcdhEsA256Kw,
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "Unknown JWE algorithm."),
    };

    internal static string Name(JweEncryption enc) => enc switch
    {
        JweEncryption.A128Gcm => "A128GCM",
        JweEncryption.A256Gcm => "A256GCM",
        _ => throw new ArgumentOutOfRangeException(nameof(enc), enc, "Unknown JWE content encryption."),
    };

    private static JsonElement ReadHeader(string encoded, JweDecryptOptions options)
    {
        if (encoded.Length > ((options.MaxHeaderBytes + 2) / 3 * 4))
        {
            throw new JoseException($"The JWE protected header is larger than {options.MaxHeaderBytes} bytes.");
        }

        if (!Base64Url.TryDecode(encoded, out var bytes) || bytes.Length == 0)
        {
            throw new JoseException("The JWE protected header is missing or not canonical base64url.");
        }

        return StrictJson.ParseObject(bytes, "JWE protected header");
    }

    private static void CheckHeaderMembers(JsonElement header, JweDecryptOptions options)
    {
        if (header.TryGetProperty("crit", out _))
        {
            throw new JoseException("The JWE header has 'crit'; Ledger implements no JWE extensions.");
        }

        foreach (var name in KeyCarryingHeaders)
        {
            if (header.TryGetProperty(name, out _))
            {
                throw new JoseException($"The JWE header has '{name}'; keys come from the recipient's own key store, never from the token.");
            }
        }

        if (StrictJson.OptionalString(header, "zip", "JWE protected header") is { } zip)
        {
            if (!options.AllowCompressionUnsafe)
            {
                throw new JoseException("The JWE is compressed ('zip'); compression is refused because a small token can inflate without bound. Encrypt without 'zip', or opt in with JweDecryptOptions.AllowCompressionUnsafe.");
            }

            if (zip != "DEF")
            {
                throw new JoseException($"JWE zip '{JsonWebKey.Printable(zip)}' is refused; only 'DEF' exists.");
            }
        }

        foreach (var name in new[] { "apu", "apv" })
        {
            if (StrictJson.OptionalString(header, name, "JWE protected header") is { } value && !Base64Url.TryDecode(value, out _))
            {
                throw new JoseException($"The JWE header '{name}' is not canonical base64url.");
            }
        }
    }

    private static void CheckEphemeralKey(JsonElement header)
    {
        if (!header.TryGetProperty("epk", out var epk) || epk.ValueKind != JsonValueKind.Object)
        {
            throw new JoseException("The JWE header has no 'epk' object; ECDH-ES needs the sender's ephemeral public key.");
        }

        const string what = "JWE ephemeral key (epk)";
        var kty = StrictJson.RequiredString(epk, "kty", what);
        var crv = StrictJson.RequiredString(epk, "crv", what);
        if (kty != JsonWebKey.KeyTypeEc || crv != JsonWebKey.CurveP256)
        {
            throw new JoseException($"The JWE epk is {JsonWebKey.Printable(kty)}/{JsonWebKey.Printable(crv)}; it must be EC/P-256 like the recipient key.");
        }

        if (epk.TryGetProperty("d", out _))
        {
            throw new JoseException("The JWE epk carries a private key 'd'; a sender never sends one.");
        }

        var x = StrictJson.RequiredString(epk, "x", what);
        var y = StrictJson.RequiredString(epk, "y", what);
        if (!Base64Url.TryDecode(x, out var qx) || !Base64Url.TryDecode(y, out var qy) || !P256Curve.Contains(qx, qy))
        {
            throw new JoseException("The JWE epk is not a point on P-256 (invalid-curve attack or corrupted header); the token is refused before the private key is used.");
        }
    }

    private static void RequireRecipient(JsonWebKey key, string alg, bool needsPrivate)
    {
        if (!key.IsP256)
        {
            throw new JoseException($"Key {KeyId.Describe(key.Kid)} is {key.Kty}/{key.Crv}; JWE in Ledger uses EC P-256 keys.");
        }

        if (key.Use == JsonWebKey.UseSignature)
        {
            throw new JoseException($"Key {KeyId.Describe(key.Kid)} is marked use 'sig'; encryption needs a key marked 'enc'.");
        }

        if (key.Alg is not null && key.Alg != alg)
        {
            throw new JoseException($"Key {KeyId.Describe(key.Kid)} is bound to alg '{key.Alg}', not '{alg}'; a key is used with one algorithm only.");
        }

        if (needsPrivate && !key.HasPrivateKey)
        {
            throw new JoseException($"Key {KeyId.Describe(key.Kid)} is a public key; decryption needs the private key ('d').");
        }
    }

    private static void RequireLength(string encoded, int length, string what)
    {
        if (!Base64Url.TryDecode(encoded, out var bytes) || bytes.Length != length)
        {
            throw new JoseException($"The JWE {what} must be {length} bytes of canonical base64url.");
        }
    }

    private static Jose.JwtSettings CreateSettings(long? compressionLimit)
    {
        var settings = new Jose.JwtSettings().RegisterMapper(JoseJsonMapper.Instance);
        foreach (var jws in Enum.GetValues<Jose.JwsAlgorithm>())
        {
            settings.DeregisterJws(jws);
        }

        foreach (var jwa in Enum.GetValues<Jose.JweAlgorithm>())
        {
            if (jwa is not (Jose.JweAlgorithm.ECDH_ES_A128KW or Jose.JweAlgorithm.ECDH_ES_A256KW))
            {
                settings.DeregisterJwa(jwa);
            }
        }

        foreach (var jwe in Enum.GetValues<Jose.JweEncryption>())
        {
            if (jwe is not (Jose.JweEncryption.A128GCM or Jose.JweEncryption.A256GCM))
            {
                settings.DeregisterJwe(jwe);
            }
        }

        return compressionLimit is { } limit
            ? settings.RegisterCompression(Jose.JweCompression.DEF, new Jose.DeflateCompression(limit))
            : settings.DeregisterCompression(Jose.JweCompression.DEF);
    }
}
