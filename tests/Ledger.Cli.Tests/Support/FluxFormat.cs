using System.Security.Cryptography;
using System.Text;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// The Flux distro tooling's formats, written out here from FLUX_COMPAT.md independently of ledgerctl's
/// own code, so tests hold ledgerctl to them and build Flux-format inputs without ledgerctl's writers.
/// </summary>
public static class FluxFormat
{
    /// <summary>The file-name prefix: Adler-32 (RFC 1950) of the ISSUER/OWNER argument, 8 lowercase hex digits.</summary>
    public static string Prefix(string issuer)
    {
        uint a = 1, b = 0;
        foreach (var octet in Encoding.UTF8.GetBytes(issuer))
        {
            a = (a + octet) % 65521;
            b = (b + a) % 65521;
        }

        return ((b << 16) | a).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string SigningPrivateFile(string issuer) => $"{Prefix(issuer)}-sig-private.jwks";

    public static string SigningPublicFile(string issuer) => $"{Prefix(issuer)}-sig-public.jwks";

    public static string EncryptionPrivateFile(string owner) => $"{Prefix(owner)}-enc-private.jwks";

    public static string EncryptionPublicFile(string owner) => $"{Prefix(owner)}-enc-public.jwks";

    /// <summary>The customer pseudonym in 'sub': "c-" and the first 8 bytes of SHA-256(customer) in hex.</summary>
    public static string Subject(string customer) => "c-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(customer))[..8]);

    /// <summary>True for the hyphenated text of an RFC 9562 UUIDv6 (version nibble 6, variant 10).</summary>
    public static bool IsUuidV6(string? text) =>
        text is { Length: 36 } && Guid.TryParseExact(text, "D", out _) && text[14] == '6' && "89abAB".Contains(text[19], StringComparison.Ordinal);

    /// <summary>A UUIDv6 for now, made here (not by Ledger): 60-bit Gregorian 100-ns time, most significant first.</summary>
    public static string NewUuidV6()
    {
        var ticks = (ulong)(DateTime.UtcNow.Ticks - new DateTime(1582, 10, 15, 0, 0, 0, DateTimeKind.Utc).Ticks);
        var random = RandomNumberGenerator.GetBytes(8);
        random[0] = (byte)(0x80 | (random[0] & 0x3F));
        return $"{ticks >> 28:x8}-{(ticks >> 12) & 0xFFFF:x4}-{0x6000 | (ticks & 0xFFF):x4}-{Convert.ToHexStringLower(random[..2])}-{Convert.ToHexStringLower(random[2..])}";
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }
}
