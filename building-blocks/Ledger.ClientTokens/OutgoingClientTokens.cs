using Ledger.Crypto;
using Microsoft.Extensions.Configuration;

namespace Ledger.ClientTokens;

/// <summary>
/// This service's own client identity when it calls another Ledger service (Issuance asking
/// Notary to sign): a private Ed25519 JWK from Ledger:Auth:ClientKeyFile, and the client id
/// it is registered under at the callee (Ledger:Auth:ClientId, default: the service name).
/// </summary>
public sealed class OutgoingClientTokens(IConfiguration configuration, LedgerServiceIdentity service, TimeProvider clock) : IDisposable
{
    public const string KeyFileSetting = "Ledger:Auth:ClientKeyFile";
    public const string ClientIdSetting = "Ledger:Auth:ClientId";

    private readonly Lazy<(Ed25519SigningKey Key, string Kid)> _key = new(() => Load(configuration));

    /// <summary>The client id this service sends: Ledger:Auth:ClientId, or the service's name.</summary>
    public string ClientId => configuration[ClientIdSetting] is { Length: > 0 } id ? id : service.Name;

    public string Mint(string audience) => ClientToken.Mint(_key.Value.Key, _key.Value.Kid, ClientId, audience, clock.GetUtcNow());

    /// <summary>
    /// Reads the key file now (at start) rather than at the first call, and, where this service's own
    /// registry lists the key's kid (a registry the services share, as <c>make run</c>'s does), checks it
    /// is registered under the client id this service sends and with this key's public half: either
    /// mismatch would make every call to another service UNAUTHENTICATED. Throws naming the setting.
    /// </summary>
    public void CheckKey(ClientRegistry registry)
    {
        var (key, kid) = _key.Value;
        if (registry.FindByKid(kid) is not { } registered)
        {
            return;
        }

        if (registered.Id != ClientId)
        {
            throw new InvalidOperationException(
                $"setting {ClientIdSetting} is '{ClientId}', but this service's client key (kid {kid}) is registered as client '{registered.Id}' " +
                $"in the client registry; the services it calls would refuse its tokens. Set Ledger__Auth__ClientId to '{registered.Id}' or register the key under '{ClientId}'.");
        }

        if (registered.Keys.Find(kid)?.X != Base64Url.Encode(key.PublicKey))
        {
            throw new InvalidOperationException(
                $"setting {KeyFileSetting}: the client key (kid {kid}) is not the public key the client registry holds under that kid; " +
                "the services it calls would refuse its tokens. Use the key file that belongs to the registered key, or register this key's public half.");
        }
    }

    public void Dispose()
    {
        if (_key.IsValueCreated)
        {
            _key.Value.Key.Dispose();
        }
    }

    private static (Ed25519SigningKey, string) Load(IConfiguration configuration)
    {
        var file = configuration[KeyFileSetting];
        if (string.IsNullOrWhiteSpace(file) || !File.Exists(file))
        {
            throw new InvalidOperationException(
                $"This service has no client key to call other Ledger services: set Ledger__Auth__ClientKeyFile to its private JWK file " +
                $"({(string.IsNullOrWhiteSpace(file) ? "unset" : file + " does not exist")}). See docs/SECURITY.md.");
        }

        var jwk = JsonWebKey.Parse(File.ReadAllText(file));
        return (Ed25519SigningKey.FromJwk(jwk), jwk.Kid ?? throw new InvalidOperationException($"The client key in {file} has no kid."));
    }
}
