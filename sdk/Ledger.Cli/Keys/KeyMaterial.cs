using System.CommandLine;
using Ledger.Cli.Files;
using Ledger.Crypto;

namespace Ledger.Cli.Keys;

/// <summary>
/// Where offline commands get their keys: <c>--key FILE</c>, else the role's environment variable,
/// which holds either a path or the JWKS JSON itself (a value starting with '{' is JSON).
/// </summary>
internal static class KeyMaterial
{
    public const string SigningPrivateVariable = "LEDGER_SIGNING_PRIVATE_JWKS";
    public const string SigningPublicVariable = "LEDGER_SIGNING_PUBLIC_JWKS";
    public const string EncryptionPrivateVariable = "LEDGER_ENCRYPTION_PRIVATE_JWKS";
    public const string EncryptionPublicVariable = "LEDGER_ENCRYPTION_PUBLIC_JWKS";

    private const long MaxKeyFileBytes = 1024 * 1024;

    public static string Variable(KeyRole role) => role switch
    {
        KeyRole.SigningPrivate => SigningPrivateVariable,
        KeyRole.SigningPublic => SigningPublicVariable,
        KeyRole.EncryptionPrivate => EncryptionPrivateVariable,
        _ => EncryptionPublicVariable,
    };

    public static Option<string> Option(KeyRole role)
    {
        var what = role switch
        {
            KeyRole.SigningPrivate => "private signing JWKS (<issuer>-sig.private.jwks)",
            KeyRole.SigningPublic => "public signing JWKS to trust (<issuer>-sig.public.jwks, or Notary's JWKS)",
            KeyRole.EncryptionPrivate => "private encryption JWKS (<issuer>-enc.private.jwks)",
            _ => "public encryption JWKS of the recipient (<issuer>-enc.public.jwks)",
        };
        return new Option<string>("--key") { Description = $"The {what}. Default: ${Variable(role)} (a path, or the JSON itself).", HelpName = "FILE" };
    }

    /// <summary>The single Ed25519 private key of a signing JWKS, with the issuer its kid names.</summary>
    public static (JsonWebKey Key, string Issuer) SigningKey(string? keyOption)
    {
        var (set, source) = Load(keyOption, KeyRole.SigningPrivate);
        var key = Single(set.Keys.Where(k => k.IsEd25519 && k.HasPrivateKey), source, "Ed25519 private key", "ledgerctl keygen sig ISSUER");
        var issuer = KeyNames.NameOf(key.Kid)
            ?? throw CliFailure.Usage($"The signing key in {source} has kid '{key.Kid}', which names no issuer. Keys made by 'ledgerctl keygen sig ISSUER' have kid '<issuer>:<thumbprint>'.");
        return (key, issuer);
    }

    /// <summary>Every key of a public signing JWKS (private members are dropped, so a private file works too).</summary>
    public static JsonWebKeySet TrustedKeys(string? keyOption)
    {
        var (set, source) = Load(keyOption, KeyRole.SigningPublic);
        if (!set.Keys.Any(k => k.IsEd25519))
        {
            throw CliFailure.Usage($"{source} holds no Ed25519 signing key to verify with. Pass the public signing JWKS (ledgerctl keygen sig writes <issuer>-sig.public.jwks; Notary serves /.well-known/jwks.json).");
        }

        return set.ToPublic();
    }

    /// <summary>The single P-256 key to encrypt to.</summary>
    public static JsonWebKey EncryptionRecipient(string? keyOption)
    {
        var (set, source) = Load(keyOption, KeyRole.EncryptionPublic);
        return Single(set.Keys.Where(k => k.IsP256), source, "EC P-256 encryption key", "ledgerctl keygen enc ISSUER").ToPublic();
    }

    /// <summary>The single P-256 private key to decrypt with.</summary>
    public static JsonWebKey DecryptionKey(string? keyOption)
    {
        var (set, source) = Load(keyOption, KeyRole.EncryptionPrivate);
        return Single(set.Keys.Where(k => k.IsP256 && k.HasPrivateKey), source, "EC P-256 private key", "ledgerctl keygen enc ISSUER");
    }

    private static (JsonWebKeySet Set, string Source) Load(string? keyOption, KeyRole role)
    {
        var variable = Variable(role);
        string json;
        string source;
        if (!string.IsNullOrWhiteSpace(keyOption))
        {
            json = LocalFiles.ReadText(keyOption, MaxKeyFileBytes, "key file");
            source = keyOption;
        }
        else if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            var isJson = value.TrimStart().StartsWith('{');
            json = isJson ? value : LocalFiles.ReadText(value, MaxKeyFileBytes, $"key file named by ${variable}");
            source = isJson ? $"${variable}" : value;
        }
        else
        {
            throw CliFailure.Usage(role switch
            {
                KeyRole.SigningPrivate => $"No signing key: pass --key <issuer>-sig.private.jwks (make one with 'ledgerctl keygen sig ISSUER') or set ${variable}.",
                KeyRole.SigningPublic => $"No keys to verify with: pass --key <issuer>-sig.public.jwks (or Notary's JWKS: 'ledgerctl keys jwks > ledger.jwks') or set ${variable}.",
                KeyRole.EncryptionPrivate => $"No decryption key: pass --key <issuer>-enc.private.jwks (make one with 'ledgerctl keygen enc ISSUER') or set ${variable}.",
                _ => $"No encryption key: pass --key <issuer>-enc.public.jwks of the recipient or set ${variable}.",
            });
        }

        try
        {
            // ParsePrivate also reads public sets; public roles drop private members afterwards.
            return (JsonWebKeySet.ParsePrivate(json), source);
        }
        catch (JoseException e)
        {
            throw CliFailure.Usage($"{source} is not a JWKS ledgerctl can use: {e.Message}");
        }
    }

    private static JsonWebKey Single(IEnumerable<JsonWebKey> candidates, string source, string what, string makeOne)
    {
        var keys = candidates.ToList();
        return keys.Count switch
        {
            1 => keys[0],
            0 => throw CliFailure.Usage($"{source} holds no {what}. Is it the right file? Make one with '{makeOne}'."),
            _ => throw CliFailure.Usage($"{source} holds {keys.Count} keys of the kind needed ({what}); ledgerctl needs exactly one. Pass a JWKS with one key."),
        };
    }
}
