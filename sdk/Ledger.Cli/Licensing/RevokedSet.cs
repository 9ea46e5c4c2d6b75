using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Cli.Files;
using Ledger.Crypto;

namespace Ledger.Cli.Licensing;

/// <summary>
/// An offline revocation list in the Flux distro format: <c>{"issuer": "...", "keys": {"&lt;jti&gt;": &lt;revoked at, Unix seconds&gt;}}</c>.
/// Unsigned: whoever holds the file decides what it says, so it is for an issuer's own tooling,
/// not for distribution to untrusted places (use a signed feed for that).
/// </summary>
internal sealed class RevokedSet
{
    public const long MaxFileBytes = 64 * 1024 * 1024;

    private readonly SortedDictionary<string, long> _keys;

    public RevokedSet(string issuer)
        : this(issuer, new SortedDictionary<string, long>(StringComparer.Ordinal))
    {
    }

    private RevokedSet(string issuer, SortedDictionary<string, long> keys)
    {
        Issuer = issuer;
        _keys = keys;
    }

    public string Issuer { get; }

    public int Count => _keys.Count;

    public IReadOnlySet<Guid> Ids => _keys.Keys.Select(Guid.Parse).ToHashSet();

    public static RevokedSet Read(string path)
    {
        var text = LocalFiles.ReadText(path, MaxFileBytes, "revoked set");
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowDuplicateProperties = false });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("issuer", out var issuer) || issuer.ValueKind != JsonValueKind.String || issuer.GetString() is not { Length: > 0 } issuerName
                || !root.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("it needs a non-empty string 'issuer' and an object 'keys'");
            }

            var entries = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var entry in keys.EnumerateObject())
            {
                if (!UuidV7.TryParse(entry.Name, out var id) || entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt64(out var at) || at < 0)
                {
                    throw new JsonException($"entry '{entry.Name}' must map a license id (UUIDv7 or v6) to a Unix time in seconds");
                }

                entries[id.ToString("D")] = at;
            }

            return new RevokedSet(issuerName, entries);
        }
        catch (JsonException e)
        {
            throw CliFailure.Usage($"{path} is not a revoked set ({{\"issuer\": ..., \"keys\": {{\"<license id>\": <unix time>}}}}): {e.Message}");
        }
    }

    public DateTimeOffset? RevokedAt(Guid id) =>
        _keys.TryGetValue(id.ToString("D"), out var at) ? DateTimeOffset.FromUnixTimeSeconds(at) : null;

    /// <summary>Adds the id; false when it was already listed (its first time is kept).</summary>
    public bool Add(Guid id, DateTimeOffset revokedAt) => _keys.TryAdd(id.ToString("D"), revokedAt.ToUnixTimeSeconds());

    public string ToJson()
    {
        var keys = new JsonObject();
        foreach (var (id, at) in _keys)
        {
            keys[id] = at;
        }

        return Json.Text(new JsonObject { ["issuer"] = Issuer, ["keys"] = keys }) + "\n";
    }
}
