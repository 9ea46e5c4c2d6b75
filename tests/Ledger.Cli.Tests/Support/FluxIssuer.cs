using System.Text;
using System.Text.Json.Nodes;
using NSec.Cryptography;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// A Flux distro issuer made in the test, without ledgerctl's or Ledger's key and token writers: an
/// Ed25519 key (NSec) written as Flux's signing sets by hand, and compact JWS built by hand over
/// claim sets the test writes, as the Flux Operator CLI writes them (FLUX_COMPAT.md).
/// </summary>
public sealed class FluxIssuer : IDisposable
{
    private readonly Key _key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    public FluxIssuer(string issuer)
    {
        Issuer = issuer;
        Kid = FluxFormat.NewUuidV6();
    }

    public string Issuer { get; }

    public string Kid { get; }

    private string X => FluxFormat.Base64Url(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    public string PrivateSet => new JsonObject
    {
        ["issuer"] = Issuer,
        ["keys"] = new JsonArray(new JsonObject
        {
            ["use"] = "sig", ["kty"] = "OKP", ["kid"] = Kid, ["crv"] = "Ed25519", ["alg"] = "EdDSA", ["x"] = X,
            ["d"] = FluxFormat.Base64Url(_key.Export(KeyBlobFormat.RawPrivateKey)),
        }),
    }.ToJsonString();

    public string PublicSet => new JsonObject
    {
        ["keys"] = new JsonArray(new JsonObject { ["use"] = "sig", ["kty"] = "OKP", ["kid"] = Kid, ["crv"] = "Ed25519", ["alg"] = "EdDSA", ["x"] = X }),
    }.ToJsonString();

    /// <summary>A Flux license key: jti UUIDv6, sub c-&lt;hex&gt;, aud ["flux-operator"], caps only when any.</summary>
    public string LicenseKey(string customer, int days, params string[] caps)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["jti"] = FluxFormat.NewUuidV6(),
            ["iss"] = Issuer,
            ["sub"] = FluxFormat.Subject(customer),
            ["aud"] = new JsonArray("flux-operator"),
            ["exp"] = now + (days * 86400L),
            ["nbf"] = now,
            ["iat"] = now,
        };
        if (caps.Length > 0)
        {
            claims["caps"] = new JsonArray([.. caps.Select(c => (JsonNode)c)]);
        }

        return Sign(claims);
    }

    /// <summary>A Flux attestation: sub "artifacts" or "manifests", exp 999 years on, the digests.</summary>
    public string Attestation(string subject, params string[] digests)
    {
        var now = DateTimeOffset.UtcNow;
        return Sign(new JsonObject
        {
            ["jti"] = FluxFormat.NewUuidV6(),
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = new JsonArray("flux-operator"),
            ["exp"] = now.AddYears(999).ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["digests"] = new JsonArray([.. digests.Select(d => (JsonNode)d)]),
        });
    }

    /// <summary>Header {"alg":"EdDSA","kid":...,"typ":"JWT"}, then signature over header.payload.</summary>
    public string Sign(JsonObject claims, string typ = "JWT")
    {
        var header = FluxFormat.Base64Url(Encoding.UTF8.GetBytes($$"""{"alg":"EdDSA","kid":"{{Kid}}","typ":"{{typ}}"}"""));
        var payload = FluxFormat.Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = SignatureAlgorithm.Ed25519.Sign(_key, Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{FluxFormat.Base64Url(signature)}";
    }

    /// <summary>Checks a token's signature with this key, as Flux's verifier would (independently of Ledger's verifier).</summary>
    public bool Verifies(string jws)
    {
        var parts = jws.Split('.');
        return parts.Length == 3 && SignatureAlgorithm.Ed25519.Verify(_key.PublicKey, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FluxFormat.FromBase64Url(parts[2]));
    }

    public void Dispose() => _key.Dispose();
}
