using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ledger.Cli;

/// <summary>How ledgerctl writes JSON output: indented, snake_case members, times in UTC ISO 8601.</summary>
internal static class Json
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Output goes to terminals and files, not HTML: keep '+' in "license+jwt" readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Text(JsonNode node) => node.ToJsonString(Indented);

    public static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonNode? Time(DateTimeOffset? time) => time is { } value ? JsonValue.Create(Time(value)) : null;

    public static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
