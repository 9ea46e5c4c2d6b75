using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ledger.Replay;

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
        if (node is JsonValue single && IsSecret(single))
        {
            return JsonValue.Create(Redacted).ToJsonString(Options);
        }

        RedactWithin(node);
        return node?.ToJsonString(Options) ?? "null";
    }

    /// <summary>Replaces, in place, every member or item of <paramref name="node"/> that could hold a secret.</summary>
    private static void RedactWithin(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (child is not null && (PrivateMembers.Contains(name) || (child is JsonValue text && IsSecret(text))))
                    {
                        obj[name] = JsonValue.Create(Redacted);
                    }
                    else
                    {
                        RedactWithin(child);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue item && IsSecret(item))
                    {
                        array[i] = JsonValue.Create(Redacted);
                    }
                    else
                    {
                        RedactWithin(array[i]);
                    }
                }

                break;
        }
    }

    private static bool IsSecret(JsonValue value) => value.TryGetValue<string>(out var text) && HoldsPrivateJwk(text);

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
