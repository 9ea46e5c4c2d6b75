using System.Buffers;
using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>
/// Strict reading of one JSON object of a signed document: one value per member (a repeated member is
/// refused, never resolved), exact types, whole-number times, and optionally no members beyond a known
/// set. Every refusal is a <see cref="FeedFormatException"/> naming the member.
/// </summary>
internal sealed class JsonMembers
{
    private const long MaxUnixSeconds = 253402300799; // 9999-12-31T23:59:59Z, the last second DateTimeOffset holds.

    private static readonly JsonDocumentOptions Options = new()
    {
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 8,
    };

    // What char.IsControl accepts (C0, DEL and C1), searched vectorized: every string of a license key passes here.
    private static readonly SearchValues<char> ControlCharacters =
        SearchValues.Create([.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)]);

    /// <summary>Whether <paramref name="text"/> holds a character <see cref="char.IsControl(char)"/> accepts: the one check of signed documents' text.</summary>
    public static bool HasControlCharacter(ReadOnlySpan<char> text) => text.ContainsAny(ControlCharacters);

    private readonly JsonElement element;
    private readonly string what;

    private JsonMembers(JsonElement element, string what)
    {
        this.element = element;
        this.what = what;
    }

    public static JsonDocument Parse(ReadOnlySpan<byte> utf8, string what)
    {
        try
        {
            return JsonDocument.Parse(utf8.ToArray(), Options);
        }
        catch (JsonException ex)
        {
            throw new FeedFormatException($"The {what} is not valid JSON, or repeats a member name ({ex.Message}).", ex);
        }
        catch (ArgumentException ex)
        {
            throw new FeedFormatException($"The {what} is not valid UTF-8 JSON.", ex);
        }
        catch (InvalidOperationException ex)
        {
            // The duplicate-member check decodes names; an escape that is no valid text lands here.
            throw new FeedFormatException($"The {what} has a member name that is not valid Unicode text.", ex);
        }
    }

    /// <param name="knownMembers">When given, any other member is refused.</param>
    public static JsonMembers Of(JsonElement element, string what, IReadOnlyCollection<string>? knownMembers)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FeedFormatException($"The {what} must be a JSON object, not {Describe(element.ValueKind)}.");
        }

        if (knownMembers is not null)
        {
            foreach (var member in element.EnumerateObject())
            {
                var name = Unescaped(() => member.Name, what);
                if (!knownMembers.Contains(name))
                {
                    throw new FeedFormatException($"The {what} has an unknown member '{Printable(name)}'; the format allows only {string.Join(", ", knownMembers)}.");
                }
            }
        }

        return new JsonMembers(element, what);
    }

    public bool Has(string name) => element.TryGetProperty(name, out _);

    public string String(string name, int maxLength) =>
        NullableString(name, maxLength) ?? throw Wrong(name, "a string", JsonValueKind.Null);

    /// <summary>The member must be present; it may be null.</summary>
    public string? NullableString(string name, int maxLength) =>
        CheckText(name, Required(name) switch
        {
            { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } value => StringValue(value, what),
            var value => throw Wrong(name, "a string", value.ValueKind),
        }, maxLength);

    /// <summary>The member may be absent; when present it must be a string.</summary>
    public string? OptionalString(string name, int maxLength) =>
        element.TryGetProperty(name, out _) ? String(name, maxLength) : null;

    public long Integer(string name, long min, long max) =>
        NullableInteger(name, min, max) ?? throw Wrong(name, "a whole number", JsonValueKind.Null);

    public long? NullableInteger(string name, long min, long max)
    {
        var value = Required(name);
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var number = WholeNumber(name, value);
        if (number < min || number > max)
        {
            throw new FeedFormatException($"The {what} member '{name}' is {number}; it must be between {min} and {max}.");
        }

        return number;
    }

    /// <summary>A NumericDate in whole Unix seconds.</summary>
    public DateTimeOffset Seconds(string name) =>
        DateTimeOffset.FromUnixTimeSeconds(Integer(name, 0, MaxUnixSeconds));

    public DateTimeOffset? NullableSeconds(string name) =>
        NullableInteger(name, 0, MaxUnixSeconds) is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    /// <summary>A NumericDate as RFC 7519 allows it: any JSON number of seconds, kept to the millisecond.</summary>
    public DateTimeOffset NumericDate(string name)
    {
        var value = Required(name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds))
        {
            throw Wrong(name, "a number of seconds since 1970-01-01T00:00:00Z", value.ValueKind);
        }

        if (seconds < 0 || seconds > MaxUnixSeconds)
        {
            throw new FeedFormatException($"The {what} member '{name}' is outside 1970-01-01 to 9999-12-31.");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Floor(seconds * 1000));
    }

    public JsonElement Array(string name, int maxCount)
    {
        var value = Required(name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong(name, "an array", value.ValueKind);
        }

        if (value.GetArrayLength() > maxCount)
        {
            throw new FeedFormatException($"The {what} member '{name}' has {value.GetArrayLength()} items; at most {maxCount} are accepted.");
        }

        return value;
    }

    /// <summary>A UUID in its canonical text: 36 lowercase characters, 8-4-4-4-12.</summary>
    public Guid Uuid(string name)
    {
        var text = String(name, 36);
        if (!TryParseCanonicalUuid(text, out var id))
        {
            throw new FeedFormatException($"The {what} member '{name}' must be a UUID in lowercase 8-4-4-4-12 form, got '{Printable(text)}'.");
        }

        return id;
    }

    /// <summary>Base64url (no padding) of any length up to <paramref name="maxChars"/> characters.</summary>
    public byte[] VariableBytes(string name, int maxChars) => DecodeBase64Url(name, String(name, maxChars));

    /// <summary>The text of a JSON string; escapes that decode to no valid text (a lone surrogate) are refused.</summary>
    public static string StringValue(JsonElement value, string what)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw NotUnicode(what, ex);
        }
    }

    public static bool TryParseCanonicalUuid(string? text, out Guid id) =>
        Guid.TryParseExact(text, "D", out id) && string.Equals(id.ToString("D"), text, StringComparison.Ordinal);

    // Attacker-supplied text goes into messages only when short and printable.
    public static string Printable(string value) =>
        value.Length <= 64 && value.All(c => c is >= ' ' and <= '~') ? value : $"({value.Length} characters)";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Unescaped(Func<string> read, string what)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException ex)
        {
            throw NotUnicode(what, ex);
        }
    }

    private static FeedFormatException NotUnicode(string what, Exception ex) =>
        new($"The {what} has a string that is not valid Unicode text.", ex);

    private JsonElement Required(string name) =>
        element.TryGetProperty(name, out var value)
            ? value
            : throw new FeedFormatException($"The {what} has no '{name}' member; it is required.");

    private FeedFormatException Wrong(string name, string expected, JsonValueKind actual) =>
        new($"The {what} member '{name}' must be {expected}, not {Describe(actual)}.");

    private string? CheckText(string name, string? text, int maxLength)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length == 0 || text.Length > maxLength)
        {
            throw new FeedFormatException($"The {what} member '{name}' must be 1 to {maxLength} characters long, not {text.Length}.");
        }

        if (HasControlCharacter(text))
        {
            throw new FeedFormatException($"The {what} member '{name}' contains a control character.");
        }

        return text;
    }

    private long WholeNumber(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Wrong(name, "a whole number", value.ValueKind);
        }

        // Only plain integers: "1.0" or "1e3" would let two texts mean one signed value.
        var raw = value.GetRawText();
        var digits = raw.StartsWith('-') ? raw.AsSpan(1) : raw.AsSpan();
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9') || !value.TryGetInt64(out var number))
        {
            throw new FeedFormatException($"The {what} member '{name}' must be a whole number without fraction or exponent, got {Printable(raw)}.");
        }

        return number;
    }

    private byte[] DecodeBase64Url(string name, string text)
    {
        try
        {
            return Base64Url.Decode(text);
        }
        catch (FormatException ex)
        {
            throw new FeedFormatException($"The {what} member '{name}' is not base64url: {ex.Message}", ex);
        }
    }
}
