using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Ledger.Crypto;
using Ledger.Notary.Keys;
using Marten;

namespace Ledger.Notary.Custody;

/// <summary>
/// Software custody: each private key is wrapped with AES-256-GCM under a key derived from
/// the root key, bound to its kid and purpose, and stored as a <see cref="WrappedPrivateKey"/>.
/// Unwrapped keys stay in this process's memory only, and only once their record committed: a key
/// is first unwrapped from PostgreSQL when it first signs, so a generation whose commit failed
/// leaves nothing behind.
/// </summary>
public sealed class EnvelopeKeyCustody(RootKey rootKey, IDocumentStore store) : IKeyCustody, IDisposable
{
    private readonly ConcurrentDictionary<Guid, Ed25519SigningKey> _signingKeys = new();

    public GeneratedKey Generate(Guid kid, KeyPurpose purpose, IDocumentSession session)
    {
        JsonWebKey publicJwk;
        byte[] secret;
        if (purpose.Signs())
        {
            using var key = Ed25519SigningKey.Generate();
            secret = key.ExportSeed();
            publicJwk = key.ToJwk(kid.ToString(), includePrivate: false);
        }
        else
        {
            var privateJwk = Jwe.GenerateP256(kid.ToString());
            secret = Base64Url.Decode(privateJwk.D!);
            publicJwk = privateJwk.ToPublic();
        }

        publicJwk = publicJwk.With(alg: purpose.Algorithm(), purpose: purpose.Name());
        try
        {
            session.Store(Wrap(kid, purpose, secret));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        return new GeneratedKey(publicJwk.ToJson(), publicJwk.Thumbprint());
    }

    public GeneratedKey Import(Guid kid, KeyPurpose purpose, JsonWebKey privateKey, IDocumentSession session)
    {
        if (!purpose.Signs() || !privateKey.IsEd25519 || !privateKey.HasPrivateKey)
        {
            throw new ArgumentException($"Only Ed25519 private keys of a signing ring are imported, not {privateKey.Kty}/{privateKey.Crv} for {purpose.Name()}.", nameof(privateKey));
        }

        var secret = Base64Url.Decode(privateKey.D!);
        try
        {
            using var key = Ed25519SigningKey.FromSeed(secret);
            var publicJwk = key.ToJwk(kid.ToString(), includePrivate: false).With(alg: purpose.Algorithm(), purpose: purpose.Name());
            if (publicJwk.X != privateKey.X)
            {
                throw new ArgumentException("The private key does not belong to the public key 'x' it is given with.", nameof(privateKey));
            }

            session.Store(Wrap(kid, purpose, secret));
            return new GeneratedKey(publicJwk.ToJson(), publicJwk.Thumbprint());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public async Task<byte[]> SignAsync(Guid kid, KeyPurpose purpose, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!_signingKeys.TryGetValue(kid, out var key))
        {
            await using var session = store.QuerySession();
            var wrapped = await session.LoadAsync<WrappedPrivateKey>(kid, cancellationToken)
                ?? throw new InvalidOperationException($"Key {kid} has no private key in custody.");
            var seed = Unwrap(wrapped, purpose);
            try
            {
                var opened = Ed25519SigningKey.FromSeed(seed);
                key = _signingKeys.GetOrAdd(kid, opened);
                if (!ReferenceEquals(key, opened))
                {
                    opened.Dispose(); // a concurrent first signature opened it too
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(seed);
            }
        }

        return key.Sign(data.Span);
    }

    public async Task VerifyRootKeyAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        foreach (var wrapped in await session.Query<WrappedPrivateKey>().ToListAsync(cancellationToken))
        {
            if (wrapped.RootKeyId != rootKey.Id)
            {
                throw new NotaryStartupException(
                    $"Notary's root key (id {rootKey.Id}) is not the one that wrapped the stored private keys (id {wrapped.RootKeyId}). " +
                    "Start Notary with the original root key file; with another root key the stored keys cannot be opened.");
            }

            if (!KeyPurposes.TryParse(wrapped.Purpose, out var purpose))
            {
                throw new NotaryStartupException($"The stored private key {wrapped.Id} names an unknown purpose '{wrapped.Purpose}'; its record was altered.");
            }

            CryptographicOperations.ZeroMemory(Unwrap(wrapped, purpose));
        }
    }

    public void Dispose()
    {
        foreach (var key in _signingKeys.Values)
        {
            key.Dispose();
        }

        _signingKeys.Clear();
    }

    private WrappedPrivateKey Wrap(Guid kid, KeyPurpose purpose, byte[] secret)
    {
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[secret.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using var aes = new AesGcm(rootKey.WrappingKey, tag.Length);
        aes.Encrypt(nonce, secret, ciphertext, tag, AssociatedData(kid, purpose));
        return new WrappedPrivateKey
        {
            Id = kid, Purpose = purpose.Name(), RootKeyId = rootKey.Id, Nonce = nonce, Ciphertext = ciphertext, Tag = tag,
        };
    }

    private byte[] Unwrap(WrappedPrivateKey wrapped, KeyPurpose purpose)
    {
        var secret = new byte[wrapped.Ciphertext.Length];
        try
        {
            using var aes = new AesGcm(rootKey.WrappingKey, wrapped.Tag.Length);
            aes.Decrypt(wrapped.Nonce, wrapped.Ciphertext, wrapped.Tag, secret, AssociatedData(wrapped.Id, purpose));
            return secret;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new NotaryStartupException(
                $"The stored private key {wrapped.Id} does not decrypt under Notary's root key: it was altered, or moved from another key's record. " +
                "Restore the keys from a backup, or mark the key compromised.");
        }
    }

    private static byte[] AssociatedData(Guid kid, KeyPurpose purpose) =>
        Encoding.ASCII.GetBytes($"ledger-notary private key v1|{kid}|{purpose.Name()}");
}
