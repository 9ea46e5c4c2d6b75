using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Revocation.Features.FluxInterop;

/// <summary>
/// The Flux Operator distro tooling's unsigned revocation set:
/// <c>{"issuer": "...", "keys": {"&lt;jti&gt;": &lt;revoked at, Unix seconds&gt;}}</c>.
/// Ledger reads it to import revocations and writes it for tools that still consume it.
/// </summary>
public sealed record FluxRevocationSet(string Issuer, IReadOnlyDictionary<Guid, DateTimeOffset> Keys)
{
    public const int MaxEntries = 100_000;

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("issuer", Issuer);
            json.WriteStartObject("keys");
            foreach (var (jti, at) in Keys.OrderBy(k => k.Value).ThenBy(k => k.Key))
            {
                json.WriteNumber(jti.ToString(), at.ToUnixTimeSeconds());
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <exception cref="FormatException">The text is not a revocation set; the message says where.</exception>
    public static FluxRevocationSet Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("issuer", out var issuer) || issuer.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(issuer.GetString())
                || !root.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("expected {\"issuer\": \"<issuer>\", \"keys\": {\"<license id>\": <unix seconds>, ...}}");
            }

            var entries = new Dictionary<Guid, DateTimeOffset>();
            foreach (var key in keys.EnumerateObject())
            {
                if (entries.Count >= MaxEntries)
                {
                    throw new FormatException($"more than {MaxEntries} keys; split the set");
                }

                if (!UuidV7.TryParse(key.Name, out var jti))
                {
                    throw new FormatException($"key '{key.Name}' is not a license id (UUIDv7 or v6)");
                }

                if (key.Value.ValueKind != JsonValueKind.Number || !key.Value.TryGetInt64(out var seconds) || seconds is < 0 or > 253402300799)
                {
                    throw new FormatException($"key '{key.Name}' must map to the revocation time in Unix seconds");
                }

                if (!entries.TryAdd(jti, DateTimeOffset.FromUnixTimeSeconds(seconds)))
                {
                    throw new FormatException($"key '{key.Name}' appears twice");
                }
            }

            return new FluxRevocationSet(issuer.GetString()!, entries);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON ({e.Message})", e);
        }
    }
}
