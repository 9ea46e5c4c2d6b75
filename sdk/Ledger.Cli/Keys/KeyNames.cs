using System.Text.RegularExpressions;
using Ledger.Crypto;

namespace Ledger.Cli.Keys;

/// <summary>
/// How ledgerctl names the keys it makes, as the Flux Operator's distro tooling does: files are
/// <c>&lt;adler32&gt;-sig-private.jwks</c> and so on, where the prefix is the Adler-32 checksum of the
/// ISSUER/OWNER argument in 8 lowercase hex digits (so any issuer, a URL included, makes a safe file
/// name), and every key's kid is a UUIDv6. The issuer a signing key signs as is the private set's
/// <c>issuer</c> member. Keys made by earlier ledgerctl versions (kid <c>&lt;issuer&gt;:&lt;thumbprint&gt;</c>,
/// no <c>issuer</c> member) are still read: their kid names the issuer.
/// </summary>
internal static partial class KeyNames
{
    public const int MaxIssuerLength = 1024;

    /// <summary>An ISSUER/OWNER argument: any non-empty text without control characters, as Flux allows (a URL is normal).</summary>
    public static string RequireIssuer(string? issuer, string what)
    {
        if (string.IsNullOrWhiteSpace(issuer) || issuer.Length > MaxIssuerLength || issuer.Any(char.IsControl))
        {
            throw CliFailure.Usage($"The {what} '{issuer}' is not valid: give 1-{MaxIssuerLength} characters without control characters (e.g. https://acme.example).");
        }

        return issuer;
    }

    /// <summary>A new key id: a UUIDv6, as Flux writes.</summary>
    public static string NewKid() => UuidV6.NewId().ToString();

    /// <summary>The name in a kid of the form <c>&lt;issuer&gt;:&lt;thumbprint&gt;</c> (older ledgerctl keys), or null.</summary>
    public static string? NameOf(string? kid)
    {
        var colon = kid?.LastIndexOf(':') ?? -1;
        return colon > 0 && LegacyNamePattern().IsMatch(kid![..colon]) ? kid[..colon] : null;
    }

    /// <summary>Adler-32 (RFC 1950) of the UTF-8 bytes of <paramref name="text"/>, in 8 lowercase hex digits.</summary>
    public static string Prefix(string text)
    {
        const uint Modulus = 65521;
        uint a = 1, b = 0;
        foreach (var octet in System.Text.Encoding.UTF8.GetBytes(text))
        {
            a = (a + octet) % Modulus;
            b = (b + a) % Modulus;
        }

        return ((b << 16) | a).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string SigningPrivateFile(string issuer) => $"{Prefix(issuer)}-sig-private.jwks";

    public static string SigningPublicFile(string issuer) => $"{Prefix(issuer)}-sig-public.jwks";

    public static string EncryptionPrivateFile(string owner) => $"{Prefix(owner)}-enc-private.jwks";

    public static string EncryptionPublicFile(string owner) => $"{Prefix(owner)}-enc-public.jwks";

    /// <summary>The client key files <c>ledgerctl keygen client</c> writes, as <c>flux mirror keygen</c> names them.</summary>
    public const string ClientPrivateFile = "privkey.json";

    public const string ClientPublicFile = "pubkey.json";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex LegacyNamePattern();
}
