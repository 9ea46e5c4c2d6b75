using NSec.Cryptography;

namespace Ledger.Crypto;

/// <summary>
/// Ed25519 verification through NSec, which calls libsodium's <c>crypto_sign_verify_detached</c>:
/// S must be canonical (S &lt; L), A and R must be canonical and not of small order, and the equation is
/// checked cofactorless. Of the 12 ed25519-speccheck cases only case 3 (mixed-order A and R, valid in
/// every equation) verifies; see tests/Ledger.Crypto.Tests/ED25519.md.
/// </summary>
public static class Ed25519Signature
{
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;

    /// <summary>True only for a valid signature; false for any malformed input, never an exception.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature64)
    {
        if (publicKey32.Length != PublicKeyLength || signature64.Length != SignatureLength)
        {
            return false;
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey32, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
        {
            return false;
        }

        return SignatureAlgorithm.Ed25519.Verify(publicKey, data, signature64);
    }

    /// <summary>As <see cref="Verify(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>, with a key already imported.</summary>
    internal static bool Verify(PublicKey publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature64) =>
        signature64.Length == SignatureLength
        && publicKey.Algorithm == SignatureAlgorithm.Ed25519
        && SignatureAlgorithm.Ed25519.Verify(publicKey, data, signature64);
}
