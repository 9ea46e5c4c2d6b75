using System.Text.Json;
using Ledger.Crypto;
using Microsoft.Extensions.Configuration;

namespace Ledger.ClientTokens;

/// <summary>
/// The clients a service accepts: for each, its id, roles and public Ed25519 keys. Read from
/// the JSON file named by Ledger:Auth:ClientsFile (env Ledger__Auth__ClientsFile):
/// <code>{"clients":[{"id":"billing","roles":["issuer"],"keys":[{"kty":"OKP","crv":"Ed25519","x":"...","kid":"billing-1"}]}]}</code>
/// Private keys never appear here; a file holding one is refused.
/// </summary>
public sealed class ClientRegistry
{
    public const string FileSetting = "Ledger:Auth:ClientsFile";

    private readonly Dictionary<string, RegisteredClient> _byKid;

    private ClientRegistry(IEnumerable<RegisteredClient> clients)
    {
        _byKid = new Dictionary<string, RegisteredClient>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            foreach (var key in client.Keys.Keys)
            {
                if (!_byKid.TryAdd(key.Kid!, client))
                {
                    throw new InvalidOperationException($"Key id '{key.Kid}' is registered twice in the client registry; every client key needs its own kid.");
                }
            }
        }
    }

    public int Count => _byKid.Values.Distinct().Count();

    /// <summary>The client that owns the key <paramref name="kid"/>, or null.</summary>
    public RegisteredClient? FindByKid(string? kid) => kid is not null && _byKid.TryGetValue(kid, out var client) ? client : null;

    public static ClientRegistry FromConfiguration(IConfiguration configuration)
    {
        var file = configuration[FileSetting];
        if (string.IsNullOrWhiteSpace(file))
        {
            throw new InvalidOperationException(
                "No client registry: set Ledger__Auth__ClientsFile to a JSON file listing the clients allowed to call this service " +
                "(see docs/SECURITY.md). `make run` writes .ledger/clients.json with a local admin client.");
        }

        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"The client registry {file} does not exist. Create it (see docs/SECURITY.md) or fix Ledger__Auth__ClientsFile.");
        }

        return Parse(File.ReadAllText(file), file);
    }

    public static ClientRegistry Parse(string json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var clients = new List<RegisteredClient>();
            foreach (var element in document.RootElement.GetProperty("clients").EnumerateArray())
            {
                var id = element.GetProperty("id").GetString() ?? "";
                if (!KeyId.IsValid(id))
                {
                    throw new InvalidOperationException($"client id '{id}' must match {KeyId.Pattern}");
                }

                var roles = element.GetProperty("roles").EnumerateArray().Select(r => r.GetString() ?? "").ToHashSet(StringComparer.Ordinal);
                if (roles.FirstOrDefault(r => !LedgerRoles.All.Contains(r)) is { } unknown)
                {
                    throw new InvalidOperationException($"client '{id}' has unknown role '{unknown}'; roles are {string.Join(", ", LedgerRoles.All)}");
                }

                var keys = JsonWebKeySet.Parse(JsonSerializer.Serialize(new { keys = element.GetProperty("keys") }));
                if (keys.Keys.Any(k => !k.IsEd25519 || k.Kid is null))
                {
                    throw new InvalidOperationException($"client '{id}' keys must be Ed25519 public JWKs with a kid");
                }

                clients.Add(new RegisteredClient(id, roles, keys));
            }

            return new ClientRegistry(clients);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or JoseException)
        {
            throw new InvalidOperationException($"The client registry {source} is not valid: {e.Message}. See docs/SECURITY.md for its format.", e);
        }
    }
}

/// <summary>One registered client: who it is, what it may do, and the keys its tokens are signed with.</summary>
public sealed record RegisteredClient(string Id, IReadOnlySet<string> Roles, JsonWebKeySet Keys);
