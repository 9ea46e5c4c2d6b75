using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Notary.Keys;

namespace Ledger.Notary.Features.Publishing;

/// <summary>
/// The JWKS verifiers trust: every pending, active and retiring key, each with its kid, use,
/// alg and a Ledger "status" member. Retired and compromised keys are never in it.
/// </summary>
public static class JwksDocument
{
    public static (string Json, string ETag) Build(KeyRing ring, KeyPurpose? purpose = null)
    {
        var keys = new JsonArray();
        foreach (var key in ring.Published(purpose))
        {
            var jwk = JsonNode.Parse(key.PublicJwk)!.AsObject();
            jwk["status"] = key.Status.ToString().ToLowerInvariant();
            keys.Add(jwk);
        }

        var json = new JsonObject { ["keys"] = keys }.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..32] + "\"";
        return (json, etag);
    }
}
