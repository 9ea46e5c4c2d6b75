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

    public string Mint(string audience) =>
        ClientToken.Mint(_key.Value.Key, _key.Value.Kid, configuration[ClientIdSetting] is { Length: > 0 } id ? id : service.Name, audience, clock.GetUtcNow());

    /// <summary>Reads the key file now (at start) rather than at the first call; throws saying what is wrong.</summary>
    public void LoadKey() => _ = _key.Value;

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
