using Grpc.Core;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Crypto;

namespace Ledger.Cli.Online;

/// <summary>
/// Who ledgerctl calls the services as: the client key made by <c>ledgerctl keygen client</c>
/// (<c>--client-key</c> or <c>$LEDGER_CLIENT_KEY</c>: a path or the JSON of a JWK or of a JWK set with
/// one private Ed25519 key, such as <c>privkey.json</c>) and the client id it is registered under
/// (<c>$LEDGER_CLIENT_ID</c>; default the NAME of a <c>&lt;name&gt;:&lt;thumbprint&gt;</c> kid, else the key
/// file's name: <c>admin.private.jwk</c> and <c>admin-client.private.jwk</c> are client "admin", else
/// the kid itself, which is how <c>keygen client</c> prints the registration). This is the one place
/// a call gets its credentials: every call carries a fresh, short-lived client token
/// (<see cref="ClientToken"/>) for the service it goes to, as <c>authorization: Bearer</c>.
/// Without a client key calls go out anonymous, and services that require a client refuse them.
/// </summary>
internal sealed class ClientIdentity
{
    public const string KeyVariable = "LEDGER_CLIENT_KEY";
    public const string IdVariable = "LEDGER_CLIENT_ID";

    private readonly JsonWebKey _key;

    private ClientIdentity(JsonWebKey key, string clientId)
    {
        _key = key;
        ClientId = clientId;
    }

    public string ClientId { get; }

    public static ClientIdentity? Load(string? keyOption)
    {
        var (json, source, file) = !string.IsNullOrWhiteSpace(keyOption) ? (LocalFiles.ReadText(keyOption, 64 * 1024, "client key file"), keyOption, keyOption)
            : Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } value
                ? value.TrimStart().StartsWith('{')
                    ? (value, $"${KeyVariable}", null)
                    : (LocalFiles.ReadText(value, 64 * 1024, $"client key file named by ${KeyVariable}"), value, value)
                : (null, null, null);
        if (json is null)
        {
            return null;
        }

        JsonWebKey? key;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            key = document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && document.RootElement.TryGetProperty("keys", out _)
                ? JsonWebKeySet.ParsePrivate(json).Keys is [var only] ? only : null
                : JsonWebKey.Parse(json);
        }
        catch (Exception e) when (e is JoseException or System.Text.Json.JsonException)
        {
            throw CliFailure.Usage($"{source} is not a client key ({e.Message}). Make one with 'ledgerctl keygen client -o DIR' and pass DIR/privkey.json.");
        }

        if (key is null || !key.IsEd25519 || !key.HasPrivateKey || key.Kid is null)
        {
            throw CliFailure.Usage($"{source} must be a private Ed25519 JWK with a kid (or a JWK set holding exactly one), as 'ledgerctl keygen client' writes to privkey.json.");
        }

        var clientId = Environment.GetEnvironmentVariable(IdVariable) is { Length: > 0 } id ? id
            : KeyNames.NameOf(key.Kid) ?? NameOfFile(file) ?? key.Kid;
        return new ClientIdentity(key, clientId);
    }

    private static string? NameOfFile(string? path)
    {
        const string suffix = ".private.jwk";
        var name = Path.GetFileName(path);
        if (name is null || !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        name = name[..^suffix.Length];
        return name.EndsWith("-client", StringComparison.Ordinal) ? name[..^"-client".Length] : name;
    }

    /// <summary>Credentials that mint a token for <paramref name="audience"/> on every call (a token is used once).</summary>
    public CallCredentials CallCredentials(string audience) =>
        Grpc.Core.CallCredentials.FromInterceptor((_, metadata) =>
        {
            using var signingKey = Ed25519SigningKey.FromJwk(_key);
            metadata.Add("authorization", "Bearer " + ClientToken.Mint(signingKey, _key.Kid!, ClientId, audience, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        });
}
