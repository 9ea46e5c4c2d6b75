using System.Security.Cryptography;
using NSec.Cryptography;

namespace Ledger.Crypto;

/// <summary>
/// An Ed25519 private key held by NSec (libsodium, in memory it locks and zeroes). Only the key custodian
/// should create these; everything else verifies with public keys.
/// </summary>
public sealed class Ed25519SigningKey : IDisposable
{
    public const int SeedLength = 32;

    private readonly Key key;
    private readonly byte[] publicKey;

    private Ed25519SigningKey(Key key)
    {
        this.key = key;
        publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The 32-byte raw public key (a fresh copy).</summary>
    public byte[] PublicKey => publicKey.ToArray();

    public static Ed25519SigningKey Generate() =>
        new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Imports the RFC 8032 32-byte private seed (the JWK 'd' member).</summary>
    public static Ed25519SigningKey FromSeed(ReadOnlySpan<byte> seed32)
    {
        if (seed32.Length != SeedLength)
        {
            throw new JoseException($"An Ed25519 private seed is {SeedLength} bytes, not {seed32.Length}.");
        }

        // The custodian must be able to re-wrap the seed under its key-encryption key.
        var creation = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        return new(Key.Import(SignatureAlgorithm.Ed25519, seed32, KeyBlobFormat.RawPrivateKey, creation));
    }

    /// <summary>Imports a private OKP/Ed25519 JWK (one that has 'd').</summary>
    public static Ed25519SigningKey FromJwk(JsonWebKey privateJwk)
    {
        ArgumentNullException.ThrowIfNull(privateJwk);
        if (!privateJwk.IsEd25519)
        {
            throw new JoseException($"Key {KeyId.Describe(privateJwk.Kid)} is {privateJwk.Kty}/{privateJwk.Crv}; signing needs an OKP/Ed25519 key.");
        }

        var seed = privateJwk.PrivateKeyBytes();
        try
        {
            return FromSeed(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The raw 32-byte seed. The caller owns the copy and should zero it when done.</summary>
    public byte[] ExportSeed() => key.Export(KeyBlobFormat.RawPrivateKey);

    public byte[] Sign(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(key, data);

    public JsonWebKey ToJwk(string kid, bool includePrivate)
    {
        if (!includePrivate)
        {
            return JsonWebKey.FromEd25519(publicKey, [], kid);
        }

        var seed = ExportSeed();
        try
        {
            return JsonWebKey.FromEd25519(publicKey, seed, kid);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    public override string ToString() => $"Ed25519 signing key, public x={Base64Url.Encode(publicKey)}";

    public void Dispose() => key.Dispose();
}
