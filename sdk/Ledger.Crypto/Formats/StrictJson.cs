using System.Text;
using System.Text.Json;

namespace Ledger.Crypto;

/// <summary>
/// JSON reading for keys and headers: one object, no duplicate members at any depth (RFC 7515 §4
/// lets a parser reject them; taking the last one is how header-smuggling bugs start), shallow nesting.
/// </summary>
internal static class StrictJson
{
    private static readonly JsonDocumentOptions Options = new()
    {
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 8,
    };

    public static JsonElement ParseObject(string json, string what) =>
        ParseObject(Encoding.UTF8.GetBytes(json), what);

    public static JsonElement ParseObject(ReadOnlySpan<byte> utf8, string what)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), Options);
        }
        catch (JsonException ex)
        {
            throw new JoseException($"The {what} is not valid JSON or repeats a member name ({ex.Message}); send one JSON object with each member once.", ex);
        }
        catch (ArgumentException ex)
        {
            throw new JoseException($"The {what} is not valid UTF-8 JSON; send one JSON object.", ex);
        }
        catch (InvalidOperationException ex)
        {
            // The duplicate-member check decodes names, and an invalid escape (a lone surrogate) throws here.
            throw new JoseException($"The {what} has a member name with an invalid escape; send one JSON object with plain member names.", ex);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw new JoseException($"The {what} must be a JSON object, not {kind}.");
        }

        // Parsed from a private copy and left undisposed, so the element stays valid for as long as the
        // caller keeps it, without a clone; its pooled buffer is collected with it like any array.
        return document.RootElement;
    }

    public static string? OptionalString(JsonElement obj, string member, string what)
    {
        if (!obj.TryGetProperty(member, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new JoseException($"The {what} member '{member}' must be a string, not {value.ValueKind}.");
        }

        return value.GetString();
    }

    public static string RequiredString(JsonElement obj, string member, string what) =>
        OptionalString(obj, member, what)
        ?? throw new JoseException($"The {what} has no '{member}' member; it is required.");
}
