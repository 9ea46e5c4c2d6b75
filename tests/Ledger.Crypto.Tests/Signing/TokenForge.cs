using System.Text;

namespace Ledger.Crypto.Tests.Signing;

/// <summary>Builds compact JWS by hand, as an attacker would, to feed the verifier.</summary>
internal static class TokenForge
{
    public static string Token(string headerJson, string payload, Ed25519SigningKey? signer)
    {
        var signingInput = Base64Url.Encode(Encoding.UTF8.GetBytes(headerJson)) + "." + Base64Url.Encode(Encoding.UTF8.GetBytes(payload));
        var signature = signer is null ? string.Empty : Base64Url.Encode(signer.Sign(Encoding.ASCII.GetBytes(signingInput)));
        return signingInput + "." + signature;
    }

    public static string ReplacePart(string compact, int index, string replacement)
    {
        var parts = compact.Split('.');
        parts[index] = replacement;
        return string.Join('.', parts);
    }
}
