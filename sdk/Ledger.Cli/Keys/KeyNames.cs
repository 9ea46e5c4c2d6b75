using System.Text.RegularExpressions;
using Ledger.Crypto;

namespace Ledger.Cli.Keys;

/// <summary>
/// How ledgerctl names the keys it makes. An issuer (or client) name is 1-64 characters of
/// A-Z a-z 0-9 . _ - starting with a letter or digit, so it is safe in a file name and a kid.
/// Every key's kid is <c>&lt;name&gt;:&lt;RFC 7638 thumbprint&gt;</c>: the name before the last
/// colon is the issuer a license key signed with it carries.
/// </summary>
internal static partial class KeyNames
{
    public const int MaxNameLength = 64;

    public static string RequireName(string? name, string what)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw CliFailure.Usage($"The {what} '{name}' is not a valid name: use 1-{MaxNameLength} characters of A-Z, a-z, 0-9, '.', '_', '-', starting with a letter or digit (e.g. acme).");
        }

        return name;
    }

    public static string Kid(string name, JsonWebKey key) => $"{name}:{key.Thumbprint()}";

    /// <summary>The name in a kid made by <see cref="Kid"/>, or null for a kid of another form.</summary>
    public static string? NameOf(string? kid)
    {
        var colon = kid?.LastIndexOf(':') ?? -1;
        return colon > 0 && NamePattern().IsMatch(kid![..colon]) ? kid[..colon] : null;
    }

    public static string SigningPrivateFile(string issuer) => $"{issuer}-sig.private.jwks";

    public static string SigningPublicFile(string issuer) => $"{issuer}-sig.public.jwks";

    public static string EncryptionPrivateFile(string issuer) => $"{issuer}-enc.private.jwks";

    public static string EncryptionPublicFile(string issuer) => $"{issuer}-enc.public.jwks";

    public static string ClientPrivateFile(string name) => $"{name}-client.private.jwk";

    public static string ClientPublicFile(string name) => $"{name}-client.public.jwk";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
