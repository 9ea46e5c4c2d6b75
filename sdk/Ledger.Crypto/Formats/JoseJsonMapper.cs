using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ledger.Crypto;

/// <summary>
/// JSON for jose-jwt's framing. Its built-in mapper reads every number as a long and throws on 1.5 or
/// on integers past 2^63, which would turn a correctly signed token with such a header member into a
/// failure; this one keeps them as double. Objects become <c>Dictionary&lt;string, object?&gt;</c> and
/// arrays <c>List&lt;object?&gt;</c>, the shapes jose-jwt casts header members to.
/// </summary>
internal sealed class JoseJsonMapper : Jose.IJsonMapper
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JoseJsonMapper Instance { get; } = new();

    public string Serialize(object obj) => JsonSerializer.Serialize(obj, WriteOptions);

    public T Parse<T>(string json)
    {
        if (typeof(T) != typeof(IDictionary<string, object>))
        {
            return JsonSerializer.Deserialize<T>(json)!;
        }

        using var document = JsonDocument.Parse(json);
        return (T)ToObject(document.RootElement)!;
    }

    private static object? ToObject(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToObject(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(ToObject).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? integer : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
