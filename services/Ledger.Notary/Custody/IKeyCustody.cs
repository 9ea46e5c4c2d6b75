using Ledger.Notary.Keys;
using Marten;

namespace Ledger.Notary.Custody;

/// <summary>
/// Where private keys live and the only place they are used. The software implementation
/// keeps them wrapped under the root key in PostgreSQL; a PKCS#11 HSM or a cloud KMS fits
/// behind the same interface (generate returns only the public key, sign and decrypt run
/// inside the device). Nothing outside custody ever sees private material.
/// </summary>
public interface IKeyCustody
{
    /// <summary>
    /// Generates a key pair for the purpose and stores its private half, enlisted in the
    /// session so the key exists exactly when its KeyGenerated event commits.
    /// </summary>
    GeneratedKey Generate(Guid kid, KeyPurpose purpose, IDocumentSession session);

    /// <summary>
    /// Takes an Ed25519 private key made elsewhere into custody under <paramref name="kid"/>, enlisted in
    /// the session like <see cref="Generate"/>. Returns only the public half.
    /// </summary>
    GeneratedKey Import(Guid kid, KeyPurpose purpose, Ledger.Crypto.JsonWebKey privateKey, IDocumentSession session);

    /// <summary>Signs with an Ed25519 key in custody.</summary>
    Task<byte[]> SignAsync(Guid kid, KeyPurpose purpose, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Checks at startup that the configured root key opens the stored keys.</summary>
    Task VerifyRootKeyAsync(CancellationToken cancellationToken);
}

/// <summary>The public half of a new key, as a JWK (JSON) and its RFC 7638 thumbprint.</summary>
public sealed record GeneratedKey(string PublicJwk, string Thumbprint);
