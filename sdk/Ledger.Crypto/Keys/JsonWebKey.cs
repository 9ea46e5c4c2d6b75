using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NSec.Cryptography;

namespace Ledger.Crypto;

/// <summary>
/// A JSON Web Key (RFC 7517) restricted to what Ledger uses: OKP/Ed25519 (RFC 8037) for signatures and
/// EC/P-256 for ECDH-ES encryption. Every instance has passed the same checks whether it was parsed or
/// built, so code holding one never re-validates.
/// </summary>
public sealed class JsonWebKey
{
    public const string KeyTypeOkp = "OKP";
    public const string KeyTypeEc = "EC";
    public const string CurveEd25519 = "Ed25519";
    public const string CurveP256 = "P-256";
    public const string AlgorithmEdDsa = "EdDSA";
    public const string AlgorithmEcdhEsA128Kw = "ECDH-ES+A128KW";
    public const string AlgorithmEcdhEsA256Kw = "ECDH-ES+A256KW";
    public const string UseSignature = "sig";
    public const string UseEncryption = "enc";

    /// <summary>Lifecycle states a Ledger key goes through, carried in the "status" member.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["pending", "active", "retiring", "retired", "compromised"];

    /// <summary>Key rings a Ledger key belongs to, carried in the "purpose" member.</summary>
    public static readonly IReadOnlyList<string> Purposes = ["license", "attestation", "feed", "encryption", "checkpoint"];

    private const string What = "JWK";

    private PublicKey? ed25519PublicKey;

    private JsonWebKey(string kty, string crv, string x, string? y, string? d, string? kid, string? use, string? alg, string? status, DateTimeOffset? notAfter, string? purpose = null)
    {
        Purpose = purpose;
        Kty = kty;
        Crv = crv;
        X = x;
        Y = y;
        D = d;
        Kid = kid;
        Use = use;
        Alg = alg;
        Status = status;
        NotAfter = notAfter;
    }

    public string Kty { get; }

    public string Crv { get; }

    public string X { get; }

    public string? Y { get; }

    /// <summary>Private key: the 32-byte Ed25519 seed or the P-256 scalar, base64url.</summary>
    public string? D { get; }

    public string? Kid { get; }

    public string? Use { get; }

    public string? Alg { get; }

    /// <summary>Ledger extension member "status": pending, active, retiring, retired or compromised.</summary>
    public string? Status { get; }

    /// <summary>
    /// Ledger extension member "purpose": the key ring (license, attestation, feed, encryption).
    /// A verifier accepts a license only from a license key and a feed only from a feed key.
    /// </summary>
    public string? Purpose { get; }

    /// <summary>Ledger extension member "not_after" (NumericDate): the key must not be used after this.</summary>
    public DateTimeOffset? NotAfter { get; }

    public bool HasPrivateKey => D is not null;

    public bool IsEd25519 => Kty == KeyTypeOkp && Crv == CurveEd25519;

    public bool IsP256 => Kty == KeyTypeEc && Crv == CurveP256;

    /// <exception cref="JoseException">The JSON is not a JWK Ledger accepts.</exception>
    public static JsonWebKey Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return FromJsonElement(StrictJson.ParseObject(json, What));
    }

    /// <exception cref="JoseException">The element is not a JWK Ledger accepts.</exception>
    public static JsonWebKey FromJsonElement(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JoseException($"A JWK must be a JSON object, not {element.ValueKind}.");
        }

        var kty = StrictJson.RequiredString(element, "kty", What);
        if (kty == "oct" || element.TryGetProperty("k", out _))
        {
            throw new JoseException("Symmetric (kty 'oct') keys are refused: Ledger verifies and encrypts only with OKP/Ed25519 and EC/P-256 public keys, so a shared secret has no place in a key set.");
        }

        if (kty != KeyTypeOkp && kty != KeyTypeEc)
        {
            throw new JoseException($"JWK kty '{Printable(kty)}' is not supported; Ledger accepts kty 'OKP' (crv Ed25519) and 'EC' (crv P-256).");
        }

        foreach (var rsaMember in new[] { "n", "e", "p", "q", "dp", "dq", "qi" })
        {
            if (element.TryGetProperty(rsaMember, out _))
            {
                throw new JoseException($"The JWK has RSA member '{rsaMember}' but kty '{kty}'; a key of mixed type is refused.");
            }
        }

        var crv = StrictJson.RequiredString(element, "crv", What);
        var x = StrictJson.RequiredString(element, "x", What);
        var y = StrictJson.OptionalString(element, "y", What);
        var d = StrictJson.OptionalString(element, "d", What);
        var kid = StrictJson.OptionalString(element, "kid", What);
        var use = StrictJson.OptionalString(element, "use", What);
        var alg = StrictJson.OptionalString(element, "alg", What);
        var status = StrictJson.OptionalString(element, "status", What);
        var notAfter = ReadNotAfter(element);
        var purpose = StrictJson.OptionalString(element, "purpose", What);

        return Create(kty, crv, x, y, d, kid, use, alg, status, notAfter, purpose);
    }

    /// <param name="publicKey">The 32-byte Ed25519 public key.</param>
    /// <param name="privateSeed">The 32-byte private seed, or empty for a public key.</param>
    public static JsonWebKey FromEd25519(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> privateSeed, string? kid, string? use = UseSignature)
    {
        if (publicKey.Length != 32)
        {
            throw new JoseException($"An Ed25519 public key is 32 bytes, not {publicKey.Length}.");
        }

        if (!privateSeed.IsEmpty && privateSeed.Length != 32)
        {
            throw new JoseException($"An Ed25519 private seed is 32 bytes, not {privateSeed.Length}.");
        }

        var d = privateSeed.IsEmpty ? null : Base64Url.Encode(privateSeed);
        return Create(KeyTypeOkp, CurveEd25519, Base64Url.Encode(publicKey), null, d, kid, use, AlgorithmEdDsa, null, null);
    }

    /// <summary>Builds an encryption key from P-256 parameters (D optional).</summary>
    public static JsonWebKey FromP256(ECParameters p, string? kid)
    {
        if (!P256Curve.IsP256(p.Curve))
        {
            throw new JoseException($"Expected a key on NIST P-256, got curve '{p.Curve.Oid?.FriendlyName ?? p.Curve.Oid?.Value ?? "explicit"}'.");
        }

        if (p.Q.X is null || p.Q.Y is null)
        {
            throw new JoseException("The P-256 parameters have no public point Q.");
        }

        var d = p.D is null ? null : Base64Url.Encode(p.D);
        return Create(KeyTypeEc, CurveP256, Base64Url.Encode(p.Q.X), Base64Url.Encode(p.Q.Y), d, kid, UseEncryption, null, null, null);
    }

    /// <summary>A copy with other Ledger metadata, same key material.</summary>
    public JsonWebKey With(string? kid = null, string? status = null, DateTimeOffset? notAfter = null, string? alg = null, string? purpose = null) =>
        Create(Kty, Crv, X, Y, D, kid ?? Kid, Use, alg ?? Alg, status ?? Status, notAfter ?? NotAfter, purpose ?? Purpose);

    public JsonWebKey ToPublic() =>
        D is null ? this : new JsonWebKey(Kty, Crv, X, Y, null, Kid, Use, Alg, Status, NotAfter, Purpose);

    /// <summary>Key JSON keeps '+' in "ECDH-ES+A128KW" as it is (key files are read by people and by Flux, not embedded in HTML).</summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Members in a fixed order: kty, crv, x, y, d, kid, use, alg, status, purpose, not_after.</summary>
    public string ToJson(bool includePrivate = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonWebKey.WriterOptions))
        {
            WriteTo(writer, includePrivate);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>RFC 7638 thumbprint: base64url SHA-256 of the required members in lexicographic order.</summary>
    public string Thumbprint() =>
        Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(ThumbprintInput())));

    /// <summary>Text form for logs: never shows private material.</summary>
    public override string ToString() =>
        $"{Kty}/{Crv} kid={Kid ?? "(none)"} thumbprint={Thumbprint()}{(D is null ? string.Empty : " (private)")}";

    internal string ThumbprintInput() =>
        IsEd25519
            ? $"{{\"crv\":\"{Crv}\",\"kty\":\"{Kty}\",\"x\":\"{X}\"}}"
            : $"{{\"crv\":\"{Crv}\",\"kty\":\"{Kty}\",\"x\":\"{X}\",\"y\":\"{Y}\"}}";

    internal void WriteTo(Utf8JsonWriter writer, bool includePrivate)
    {
        writer.WriteStartObject();
        writer.WriteString("kty", Kty);
        writer.WriteString("crv", Crv);
        writer.WriteString("x", X);
        if (Y is not null)
        {
            writer.WriteString("y", Y);
        }

        if (includePrivate && D is not null)
        {
            writer.WriteString("d", D);
        }

        WriteIfPresent(writer, "kid", Kid);
        WriteIfPresent(writer, "use", Use);
        WriteIfPresent(writer, "alg", Alg);
        WriteIfPresent(writer, "status", Status);
        WriteIfPresent(writer, "purpose", Purpose);
        if (NotAfter is { } notAfter)
        {
            writer.WriteNumber("not_after", notAfter.ToUnixTimeSeconds());
        }

        writer.WriteEndObject();
    }

    internal byte[] PublicKeyBytes() => Base64Url.Decode(X);

    /// <summary>
    /// The Ed25519 public key imported into NSec once, since a verifier checks many tokens against one key.
    /// <c>x</c> was validated when this instance was made, and the instance is immutable.
    /// </summary>
    internal PublicKey Ed25519PublicKey() =>
        ed25519PublicKey ??= IsEd25519
            ? PublicKey.Import(SignatureAlgorithm.Ed25519, PublicKeyBytes(), KeyBlobFormat.RawPublicKey)
            : throw new JoseException($"Key {KeyId.Describe(Kid)} is {Kty}/{Crv}; an Ed25519 key is needed.");

    internal byte[] PrivateKeyBytes() =>
        D is null ? throw new JoseException($"Key {KeyId.Describe(Kid)} is a public key; this operation needs the private key (member 'd').") : Base64Url.Decode(D);

    internal ECParameters ToEcParameters(bool includePrivate)
    {
        if (!IsP256)
        {
            throw new JoseException($"Key {KeyId.Describe(Kid)} is {Kty}/{Crv}; an EC P-256 key is needed.");
        }

        return new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.Decode(X), Y = Base64Url.Decode(Y!) },
            D = includePrivate ? PrivateKeyBytes() : null,
        };
    }

    private static JsonWebKey Create(string kty, string crv, string x, string? y, string? d, string? kid, string? use, string? alg, string? status, DateTimeOffset? notAfter, string? purpose = null)
    {
        if (kid is not null && !KeyId.IsValid(kid))
        {
            throw new JoseException($"JWK kid must match {KeyId.Pattern}; got {KeyId.Describe(kid)}. Path, quote and whitespace characters are refused.");
        }

        var named = $"JWK {KeyId.Describe(kid)}";
        if (status is not null && !Statuses.Contains(status))
        {
            throw new JoseException($"{named} has status '{Printable(status)}'; expected one of {string.Join(", ", Statuses)}.");
        }

        if (purpose is not null && !Purposes.Contains(purpose))
        {
            throw new JoseException($"{named} has purpose '{Printable(purpose)}'; expected one of {string.Join(", ", Purposes)}.");
        }

        if (use is not null && use != UseSignature && use != UseEncryption)
        {
            throw new JoseException($"{named} has use '{Printable(use)}'; expected 'sig' or 'enc'.");
        }

        if (kty == KeyTypeOkp)
        {
            CheckEd25519(named, crv, x, y, d, use, alg);
        }
        else
        {
            CheckP256(named, crv, x, y, d, use, alg);
        }

        return new JsonWebKey(kty, crv, x, y, d, kid, use, alg, status, notAfter, purpose);
    }

    private static void CheckEd25519(string named, string crv, string x, string? y, string? d, string? use, string? alg)
    {
        if (crv != CurveEd25519)
        {
            throw new JoseException($"{named} is OKP with crv '{Printable(crv)}'; Ledger accepts only Ed25519 OKP keys.");
        }

        if (y is not null)
        {
            throw new JoseException($"{named} is OKP but has a 'y' member; OKP keys carry only 'x' (RFC 8037 §2).");
        }

        if (alg is not null && alg != AlgorithmEdDsa)
        {
            throw new JoseException($"{named} is an Ed25519 key but names alg '{Printable(alg)}'; an Ed25519 key is bound to 'EdDSA' only.");
        }

        if (use == UseEncryption)
        {
            throw new JoseException($"{named} is an Ed25519 key marked use 'enc'; Ed25519 keys only sign.");
        }

        var publicKey = DecodeMember(named, "x", x, 32);
        if (Edwards25519.RejectPublicKey(publicKey) is { } reason)
        {
            throw new JoseException($"{named} is refused: {reason}.");
        }

        if (d is null)
        {
            return;
        }

        var seed = DecodeMember(named, "d", d, 32);
        try
        {
            using var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
            if (!key.PublicKey.Export(KeyBlobFormat.RawPublicKey).AsSpan().SequenceEqual(publicKey))
            {
                throw new JoseException($"{named} has a private key 'd' that does not belong to its public key 'x'.");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    private static void CheckP256(string named, string crv, string x, string? y, string? d, string? use, string? alg)
    {
        if (crv != CurveP256)
        {
            throw new JoseException($"{named} is EC with crv '{Printable(crv)}'; Ledger accepts only P-256 EC keys.");
        }

        if (alg is not null && alg != AlgorithmEcdhEsA128Kw && alg != AlgorithmEcdhEsA256Kw)
        {
            throw new JoseException($"{named} is a P-256 key but names alg '{Printable(alg)}'; Ledger uses P-256 keys only for 'ECDH-ES+A128KW' or 'ECDH-ES+A256KW'.");
        }

        if (use == UseSignature)
        {
            throw new JoseException($"{named} is a P-256 key marked use 'sig'; Ledger signs only with Ed25519, P-256 keys are for encryption.");
        }

        if (y is null)
        {
            throw new JoseException($"{named} is an EC key without 'y'; both coordinates are required.");
        }

        var qx = DecodeMember(named, "x", x, P256Curve.CoordinateLength);
        var qy = DecodeMember(named, "y", y, P256Curve.CoordinateLength);
        if (!P256Curve.Contains(qx, qy))
        {
            throw new JoseException($"{named} is refused: its point (x, y) is not on the P-256 curve.");
        }

        if (d is null)
        {
            return;
        }

        var scalar = DecodeMember(named, "d", d, P256Curve.CoordinateLength);
        try
        {
            using var ecdh = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar });
            var derived = ecdh.ExportParameters(false).Q;
            if (!derived.X.AsSpan().SequenceEqual(qx) || !derived.Y.AsSpan().SequenceEqual(qy))
            {
                throw new JoseException($"{named} has a private key 'd' that does not belong to its public point (x, y).");
            }
        }
        catch (CryptographicException ex)
        {
            throw new JoseException($"{named} has a private key 'd' that is not a valid P-256 scalar.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    private static byte[] DecodeMember(string named, string member, string value, int length)
    {
        byte[] bytes;
        try
        {
            bytes = Base64Url.Decode(value);
        }
        catch (FormatException ex)
        {
            throw new JoseException($"{named} member '{member}' is not valid base64url: {ex.Message}", ex);
        }

        if (bytes.Length != length)
        {
            throw new JoseException($"{named} member '{member}' decodes to {bytes.Length} bytes; it must be exactly {length}.");
        }

        return bytes;
    }

    private static DateTimeOffset? ReadNotAfter(JsonElement element)
    {
        if (!element.TryGetProperty("not_after", out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds)
            || seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new JoseException("JWK member 'not_after' must be a whole number of seconds since 1970-01-01T00:00:00Z.");
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    // Attacker-supplied values go into messages only when short and printable.
    internal static string Printable(string value) =>
        value.Length <= 40 && value.All(c => c is >= ' ' and <= '~') ? value : $"({value.Length} characters)";
}
