using System.Text.Json.Nodes;
using Ledger.Crypto;
using Ledger.Replay;

namespace Ledger.ServiceDefaults.Tests.Admin;

public sealed class ExportJsonTests
{
    private sealed record Wrapped(string Nonce, string Ciphertext, string Tag);

    private sealed record KeyHolder(Guid Kid, string PublicJwk, string PrivateJwkText, Wrapped Custody, IReadOnlyList<string> Jwks, Dictionary<string, string> Jwk);

    [Fact]
    public void private_key_material_is_redacted_in_every_form_and_everything_else_is_kept()
    {
        var key = Ed25519SigningKey.Generate();
        var publicJwk = key.ToJwk("k-1", includePrivate: false).ToJson();
        var privateJwk = key.ToJwk("k-1", includePrivate: true).ToJson(includePrivate: true);
        var privateMember = JsonNode.Parse(privateJwk)!["d"]!.GetValue<string>();
        var holder = new KeyHolder(Guid.NewGuid(), publicJwk, privateJwk, new Wrapped("bm9uY2U", "c2VjcmV0", "dGFn"),
            [publicJwk, privateJwk], new Dictionary<string, string> { ["kty"] = "OKP", ["d"] = privateMember });

        var json = ExportJson.Serialize(holder, typeof(KeyHolder));

        Assert.DoesNotContain(privateMember, json, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", json, StringComparison.Ordinal);
        var exported = JsonNode.Parse(json)!;
        Assert.Equal(publicJwk, exported["publicJwk"]!.GetValue<string>());
        Assert.Equal(ExportJson.Redacted, exported["privateJwkText"]!.GetValue<string>());
        Assert.Equal(ExportJson.Redacted, exported["custody"]!["ciphertext"]!.GetValue<string>());
        Assert.Equal(publicJwk, exported["jwks"]![0]!.GetValue<string>());
        Assert.Equal(ExportJson.Redacted, exported["jwks"]![1]!.GetValue<string>());
        Assert.Equal("OKP", exported["jwk"]!["kty"]!.GetValue<string>());
        Assert.Equal(ExportJson.Redacted, exported["jwk"]!["d"]!.GetValue<string>());
        Assert.Equal(holder.Kid.ToString(), exported["kid"]!.GetValue<string>());
    }
}
