using Ledger.Crypto;
using Ledger.ClientTokens;

namespace Ledger.Testing;

/// <summary>
/// Real client keys for a test class: an admin holding every API role, an auditor, and one identity
/// per service holding only its signer role at Notary (issuance signs licenses, revocation feeds,
/// attestation attestations) and, for revocation, event-reader at Issuance and Attestation (it catches up on missed events),
/// registered in a clients.json the services read, exactly as in production.
/// </summary>
public sealed class TestClients : IDisposable
{
    public const string Admin = "admin";
    public const string Auditor = "auditor";
    public const string Stranger = "stranger";

    /// <summary>The services' own identities: each may ask Notary to sign for its purpose, and nothing else.</summary>
    public const string Issuance = "issuance";
    public const string Revocation = "revocation";
    public const string Attestation = "attestation";

    private readonly Dictionary<string, (Ed25519SigningKey Key, string Kid)> _keys = [];

    public TestClients()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ledger-clients-").FullName;
        var registered = new (string Id, string[] Roles)[]
        {
            (Admin, [.. LedgerRoles.Api]),
            (Auditor, [LedgerRoles.Auditor]),
            (Issuance, [LedgerRoles.LicenseSigner]),
            (Revocation, [LedgerRoles.FeedSigner, LedgerRoles.EventReader]),
            (Attestation, [LedgerRoles.AttestationSigner]),
        };
        foreach (var (id, _) in registered.Append((Stranger, [])))
        {
            var key = Ed25519SigningKey.Generate();
            _keys[id] = (key, $"{id}-key-1");
            File.WriteAllText(KeyFile(id), key.ToJwk($"{id}-key-1", includePrivate: true).ToJson(includePrivate: true));
        }

        // The stranger has a key but is not registered.
        var clients = registered.Select(c => $$"""{"id":"{{c.Id}}","roles":[{{string.Join(",", c.Roles.Select(r => $"\"{r}\""))}}],"keys":[{{_keys[c.Id].Key.ToJwk(_keys[c.Id].Kid, false).ToJson()}}]}""");
        File.WriteAllText(RegistryFile, $$"""{"clients":[{{string.Join(",", clients)}}]}""");
    }

    public string Directory { get; }

    public string RegistryFile => Path.Combine(Directory, "clients.json");

    public string KeyFile(string client) => Path.Combine(Directory, $"{client}.private.jwk");

    public string Mint(string client, string audience, DateTimeOffset? now = null, TimeSpan? lifetime = null) =>
        ClientToken.Mint(_keys[client].Key, _keys[client].Kid, client, audience, now ?? DateTimeOffset.UtcNow, lifetime);

    public void Dispose()
    {
        foreach (var (key, _) in _keys.Values)
        {
            key.Dispose();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
