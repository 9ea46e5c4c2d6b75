namespace Ledger.Crypto;

/// <summary>
/// EdDSA (Ed25519, RFC 8037) for jose-jwt, which has no EdDSA of its own. Registered by name through
/// <c>JwtSettings.RegisterJws("EdDSA", ...)</c>, the string overload jose-jwt 5.3 added for algorithms
/// missing from its <c>JwsAlgorithm</c> enum.
/// </summary>
internal sealed class EdDsaJwsAlgorithm : Jose.IJwsAlgorithm
{
    public byte[] Sign(byte[] securedInput, object key) =>
        key is Ed25519SigningKey signingKey
            ? signingKey.Sign(securedInput)
            : throw new JoseException($"EdDSA signing needs an {nameof(Ed25519SigningKey)}, not {key?.GetType().Name ?? "null"}.");

    public bool Verify(byte[] signature, byte[] securedInput, object key) =>
        key is JsonWebKey { IsEd25519: true } jwk
        && Ed25519Signature.Verify(jwk.Ed25519PublicKey(), securedInput, signature);
}
