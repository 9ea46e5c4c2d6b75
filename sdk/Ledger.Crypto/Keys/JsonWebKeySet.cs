using System.Text;
using System.Text.Json;

namespace Ledger.Crypto;

/// <summary>
/// A JWK Set (RFC 7517 §5) of keys Ledger accepts, with unique kids. <see cref="Parse"/> is for
/// verifiers and accepts public keys only; <see cref="ParsePrivate"/> is for the key custodian.
/// A set may name its <see cref="Issuer"/> (the Flux distro format's private signing set does); such a
/// set holds exactly one key.
/// </summary>
public sealed class JsonWebKeySet
{
    private readonly Dictionary<string, JsonWebKey> byKid;

    public JsonWebKeySet(IEnumerable<JsonWebKey> keys, string? issuer = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = new List<JsonWebKey>();
        byKid = new Dictionary<string, JsonWebKey>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key);
            if (key.Kid is not null && !byKid.TryAdd(key.Kid, key))
            {
                throw new JoseException($"The key set holds two keys with kid '{key.Kid}'; each kid must name exactly one key so a token can never pick between them.");
            }

            list.Add(key);
        }

        if (issuer is not null && (issuer.Length == 0 || list.Count != 1))
        {
            throw new JoseException($"A key set that names its issuer holds exactly one key (this one holds {list.Count}) and the issuer is not empty.");
        }

        Keys = list.AsReadOnly();
        Issuer = issuer;
    }

    public IReadOnlyList<JsonWebKey> Keys { get; }

    /// <summary>The issuer a signing set names (member <c>issuer</c>), or null.</summary>
    public string? Issuer { get; }

    public bool HasPrivateKeys => Keys.Any(k => k.HasPrivateKey);

    /// <summary>Parses a JWKS for verification; any private member is refused.</summary>
    /// <exception cref="JoseException">The document is not a key set Ledger accepts.</exception>
    public static JsonWebKeySet Parse(string json) => ParseCore(json, allowPrivate: false);

    /// <summary>Parses a JWKS that may hold private keys (a key store, never a published set).</summary>
    /// <exception cref="JoseException">The document is not a key set Ledger accepts.</exception>
    public static JsonWebKeySet ParsePrivate(string json) => ParseCore(json, allowPrivate: true);

    /// <summary>Exact, case-sensitive kid lookup.</summary>
    public JsonWebKey? Find(string kid) =>
        kid is not null && byKid.TryGetValue(kid, out var key) ? key : null;

    /// <summary>The public keys, without the issuer member (a published set is the keys only, as Flux writes it).</summary>
    public JsonWebKeySet ToPublic() => new(Keys.Select(k => k.ToPublic()));

    public string ToJson(bool includePrivate = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonWebKey.WriterOptions))
        {
            writer.WriteStartObject();
            if (Issuer is not null)
            {
                writer.WriteString("issuer", Issuer);
            }

            writer.WriteStartArray("keys");
            foreach (var key in Keys)
            {
                key.WriteTo(writer, includePrivate);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static JsonWebKeySet ParseCore(string json, bool allowPrivate)
    {
        ArgumentNullException.ThrowIfNull(json);
        var root = StrictJson.ParseObject(json, "JWKS");
        if (!root.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new JoseException("A JWKS must be a JSON object with a 'keys' array (RFC 7517 §5).");
        }

        var parsed = new List<JsonWebKey>();
        var index = 0;
        foreach (var element in keys.EnumerateArray())
        {
            JsonWebKey key;
            try
            {
                key = JsonWebKey.FromJsonElement(element);
            }
            catch (JoseException ex)
            {
                throw new JoseException($"JWKS key #{index} is refused, so the whole set is: {ex.Message}", ex);
            }

            if (key.HasPrivateKey && !allowPrivate)
            {
                throw new JoseException($"JWKS key #{index} ({KeyId.Describe(key.Kid)}) carries private member 'd'. A JWKS for verifiers must hold public keys only; publish ToJson(includePrivate: false), or use ParsePrivate for a key store.");
            }

            parsed.Add(key);
            index++;
        }

        string? issuer = null;
        if (root.TryGetProperty("issuer", out var issuerElement))
        {
            issuer = issuerElement.ValueKind == JsonValueKind.String && issuerElement.GetString() is { Length: > 0 and <= 1024 } named
                ? named
                : throw new JoseException("The JWKS member 'issuer' must be a non-empty string of at most 1024 characters.");
        }

        return new JsonWebKeySet(parsed, issuer);
    }
}
