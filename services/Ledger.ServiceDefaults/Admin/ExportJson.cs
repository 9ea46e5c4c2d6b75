using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ledger.ServiceDefaults.Admin;

/// <summary>
/// The JSON an export carries: camelCase members, enums as camelCase strings (docs/EXPORT.md),
/// independent of how Marten stores documents. Members that could hold private key material or
/// secrets are replaced by <see cref="Redacted"/>, and so is any string holding a JWK with a
/// private member, so no export can leak a key even if a future event carried one.
/// </summary>
public static class ExportJson
{
    public const string Redacted = "[redacted]";

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    // JWK private members (RFC 7517/7518/8037) and the names secrets go by.
    private static readonly HashSet<string> PrivateMembers = new(StringComparer.OrdinalIgnoreCase)
    {
        "d", "p", "q", "dp", "dq", "qi", "k", "oth",
        "privateKey", "privateJwk", "privateKeyJwk", "wrappedKey", "wrappedPrivateKey", "ciphertext", "nonce", "tag",
        "secret", "clientSecret", "rootKey", "password", "seed", "clientToken", "bearerToken",
    };

    public static string Serialize(object value, Type type)
    {
        var node = JsonSerializer.SerializeToNode(value, type, Options);
        return (Redact(node) ?? JsonValue.Create((string?)null))?.ToJsonString(Options) ?? "null";
    }

    private static JsonNode? Redact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    obj[name] = PrivateMembers.Contains(name) && child is not null ? JsonValue.Create(Redacted) : Redact(child);
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Redact(array[i]?.DeepClone());
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text) && HoldsPrivateJwk(text):
                return JsonValue.Create(Redacted);
            default:
                return node;
        }
    }

    private static bool HoldsPrivateJwk(string text)
    {
        if (!text.TrimStart().StartsWith('{'))
        {
            return false;
        }

        try
        {
            return JsonNode.Parse(text) is JsonObject obj && obj.Any(m => PrivateMembers.Contains(m.Key));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
