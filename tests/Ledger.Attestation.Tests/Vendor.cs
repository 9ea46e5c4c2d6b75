using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Crypto;

namespace Ledger.Attestation.Tests;

/// <summary>
/// A vendor as it works outside the ledger: it holds its own Ed25519 key, writes statements in the
/// documented format and signs them (typ attestation+jwt, kid = the key's RFC 7638 thumbprint).
/// </summary>
public sealed class Vendor(string id) : IDisposable
{
    public string Id { get; } = id;

    public Ed25519SigningKey Key { get; } = Ed25519SigningKey.Generate();

    public JsonWebKey PublicKey => JsonWebKey.FromEd25519(Key.PublicKey, [], null);

    public string PublicJwk => PublicKey.ToJson();

    public string Kid => PublicKey.Thumbprint();

    /// <summary>An artifacts statement naming this vendor, with a new jti.</summary>
    public byte[] ArtifactsStatement(params string[] subjects) =>
        JsonSerializer.SerializeToUtf8Bytes(new
        {
            jti = UuidV7.NewId().ToString(),
            iss = "ledger",
            vendor = Id,
            iat = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            kind = "artifacts",
            subjects,
        });

    public byte[] ManifestStatement(string name, string digest, params string[] ignore) =>
        JsonSerializer.SerializeToUtf8Bytes(new
        {
            jti = UuidV7.NewId().ToString(),
            iss = "ledger",
            vendor = Id,
            iat = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            kind = "manifest",
            manifest = new { name, digest, ignore },
        });

    public string Sign(byte[] statement) => Jws.Sign(statement, Key, Kid, "attestation+jwt");

    public string Sign(string statementJson) => Sign(Encoding.UTF8.GetBytes(statementJson));

    public string SignArtifacts(params string[] subjects) => Sign(ArtifactsStatement(subjects));

    public void Dispose() => Key.Dispose();

    /// <summary>A well-formed sha256 digest derived from a seed, so tests can name distinct artifacts.</summary>
    public static string Digest(string seed) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)));
}
