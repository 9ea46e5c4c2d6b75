using System.CommandLine;
using Ledger.Cli.Files;
using Ledger.Crypto;

namespace Ledger.Cli.Keys;

/// <summary>
/// Where offline commands get their keys: <c>-k/--key-set</c> (also <c>--key</c>): a file, or an
/// http(s) URL to download (plain http only from localhost); else the role's <c>LEDGER_*</c>
/// environment variable, else the Flux distro one (<c>FLUX_DISTRO_*_JWKS</c>). A variable holds the
/// JWKS JSON itself (a value starting with '{') or a path.
/// </summary>
internal static class KeyMaterial
{
    public const string SigningPrivateVariable = "LEDGER_SIGNING_PRIVATE_JWKS";
    public const string SigningPublicVariable = "LEDGER_SIGNING_PUBLIC_JWKS";
    public const string EncryptionPrivateVariable = "LEDGER_ENCRYPTION_PRIVATE_JWKS";
    public const string EncryptionPublicVariable = "LEDGER_ENCRYPTION_PUBLIC_JWKS";

    public const string FluxSigningPrivateVariable = "FLUX_DISTRO_SIG_PRIVATE_JWKS";
    public const string FluxSigningPublicVariable = "FLUX_DISTRO_SIG_PUBLIC_JWKS";
    public const string FluxEncryptionPrivateVariable = "FLUX_DISTRO_ENC_PRIVATE_JWKS";
    public const string FluxEncryptionPublicVariable = "FLUX_DISTRO_ENC_PUBLIC_JWKS";

    public const string LicensePurpose = "license";
    public const string AttestationPurpose = "attestation";

    private const long MaxKeyFileBytes = 1024 * 1024;

    public static string Variable(KeyRole role) => role switch
    {
        KeyRole.SigningPrivate => SigningPrivateVariable,
        KeyRole.SigningPublic => SigningPublicVariable,
        KeyRole.EncryptionPrivate => EncryptionPrivateVariable,
        _ => EncryptionPublicVariable,
    };

    public static string FluxVariable(KeyRole role) => role switch
    {
        KeyRole.SigningPrivate => FluxSigningPrivateVariable,
        KeyRole.SigningPublic => FluxSigningPublicVariable,
        KeyRole.EncryptionPrivate => FluxEncryptionPrivateVariable,
        _ => FluxEncryptionPublicVariable,
    };

    public static Option<string> Option(KeyRole role)
    {
        var what = role switch
        {
            KeyRole.SigningPrivate => "private signing JWKS (<prefix>-sig-private.jwks)",
            KeyRole.SigningPublic => "public signing JWKS to trust (<prefix>-sig-public.jwks, or Notary's JWKS)",
            KeyRole.EncryptionPrivate => "private encryption JWKS (<prefix>-enc-private.jwks)",
            _ => "public encryption JWKS of the recipient (<prefix>-enc-public.jwks)",
        };
        return new Option<string>("--key-set", "-k", "--key")
        {
            Description = $"The {what}: a file, or an http(s) URL (http only from localhost). Default: ${Variable(role)}, else ${FluxVariable(role)} (the JSON itself, or a path).",
            HelpName = "FILE|URL",
        };
    }

    /// <summary>
    /// The single Ed25519 private key of a signing JWKS and the issuer it signs as: the set's
    /// <c>issuer</c> member (Flux format), or the issuer an older ledgerctl kid names.
    /// </summary>
    public static (JsonWebKey Key, string Issuer) SigningKey(string? keyOption)
    {
        var (set, source) = Load(keyOption, KeyRole.SigningPrivate);
        var key = Single(set.Keys.Where(k => k.IsEd25519 && k.HasPrivateKey), source, "Ed25519 private key", "ledgerctl keygen sig ISSUER");
        var issuer = set.Issuer ?? KeyNames.NameOf(key.Kid)
            ?? throw CliFailure.Usage($"The signing key set {source} names no issuer: it has no 'issuer' member and its kid '{key.Kid}' names none. Make the key with 'ledgerctl keygen sig ISSUER', which writes the issuer into the private set.");
        return (key, issuer);
    }

    /// <summary>
    /// Every Ed25519 key of a public signing JWKS (private members are dropped, so a private file works
    /// too). A key that names no purpose (a Flux or <c>ledgerctl keygen</c> set holds keys of one use) is
    /// trusted for <paramref name="purpose"/>, the use the command says the set has (null: left unmarked);
    /// a key that names another purpose stays as it is, and the verifier refuses it.
    /// </summary>
    public static JsonWebKeySet TrustedKeys(string? keyOption, string? purpose)
    {
        var (set, source) = Load(keyOption, KeyRole.SigningPublic);
        if (!set.Keys.Any(k => k.IsEd25519))
        {
            throw CliFailure.Usage($"{source} holds no Ed25519 signing key to verify with. Pass the public signing JWKS (ledgerctl keygen sig writes <prefix>-sig-public.jwks; Notary serves /.well-known/jwks.json).");
        }

        return new JsonWebKeySet(set.ToPublic().Keys.Select(k => k.Purpose is null && purpose is not null ? k.With(purpose: purpose) : k));
    }

    /// <summary>
    /// Whether the public signing keys come from the Flux Operator's own variable
    /// (<c>FLUX_DISTRO_SIG_PUBLIC_JWKS</c>): no key option and no Ledger variable. ledgerctl then runs as a
    /// drop-in for <c>flux-operator-cli distro</c>, and the Flux Operator's rules apply where they differ.
    /// </summary>
    public static bool SigningKeysFromFluxVariable(string? keyOption) =>
        string.IsNullOrWhiteSpace(keyOption)
        && FromEnvironment(SigningPublicVariable) is null
        && Environment.GetEnvironmentVariable(FluxSigningPublicVariable) is { Length: > 0 };

    /// <summary>The single P-256 key to encrypt to, or the one named by <paramref name="kid"/>.</summary>
    public static JsonWebKey EncryptionRecipient(string? keyOption, string? kid = null)
    {
        var (set, source) = Load(keyOption, KeyRole.EncryptionPublic);
        var candidates = set.Keys.Where(k => k.IsP256 && (kid is null || k.Kid == kid));
        return Single(candidates, source, kid is null ? "EC P-256 encryption key" : $"EC P-256 encryption key with kid '{kid}'", "ledgerctl keygen enc OWNER").ToPublic();
    }

    /// <summary>The single P-256 private key to decrypt with.</summary>
    public static JsonWebKey DecryptionKey(string? keyOption)
    {
        var (set, source) = Load(keyOption, KeyRole.EncryptionPrivate);
        return Single(set.Keys.Where(k => k.IsP256 && k.HasPrivateKey), source, "EC P-256 private key", "ledgerctl keygen enc OWNER");
    }

    private static (JsonWebKeySet Set, string Source) Load(string? keyOption, KeyRole role)
    {
        string json;
        string source;
        if (!string.IsNullOrWhiteSpace(keyOption))
        {
            json = RemoteFiles.IsUrl(keyOption) ? RemoteFiles.ReadText(keyOption, MaxKeyFileBytes, "key set") : LocalFiles.ReadText(keyOption, MaxKeyFileBytes, "key file");
            source = keyOption;
        }
        else if ((FromEnvironment(Variable(role)) ?? FromEnvironment(FluxVariable(role))) is { } found)
        {
            (json, source) = found;
        }
        else
        {
            var variables = $"${Variable(role)} or ${FluxVariable(role)}";
            throw CliFailure.Usage(role switch
            {
                KeyRole.SigningPrivate => $"No signing key: pass -k <prefix>-sig-private.jwks (make one with 'ledgerctl keygen sig ISSUER') or set {variables}.",
                KeyRole.SigningPublic => $"No keys to verify with: pass -k <prefix>-sig-public.jwks (or Notary's JWKS: 'ledgerctl keys jwks > ledger.jwks') or set {variables}.",
                KeyRole.EncryptionPrivate => $"No decryption key: pass -k <prefix>-enc-private.jwks (make one with 'ledgerctl keygen enc OWNER') or set {variables}.",
                _ => $"No encryption key: pass -k <prefix>-enc-public.jwks of the recipient or set {variables}.",
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

    private static (string Json, string Source)? FromEnvironment(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } value)
        {
            return null;
        }

        return value.TrimStart().StartsWith('{')
            ? (value, $"${variable}")
            : (LocalFiles.ReadText(value.Trim(), MaxKeyFileBytes, $"key file named by ${variable}"), value.Trim());
    }

    private static JsonWebKey Single(IEnumerable<JsonWebKey> candidates, string source, string what, string makeOne)
    {
        var keys = candidates.ToList();
        return keys.Count switch
        {
            1 => keys[0],
            0 => throw CliFailure.Usage($"{source} holds no {what}. Is it the right file? Make one with '{makeOne}'."),
            _ => throw CliFailure.Usage($"{source} holds {keys.Count} keys of the kind needed ({what}); ledgerctl needs exactly one. Pass a JWKS with one key, or name one with --key-id."),
        };
    }
}
