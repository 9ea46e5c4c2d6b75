using Ledger.Crypto;

namespace Ledger.Crypto.Tests.Keys;

public sealed class LedgerMemberTests
{
    [Fact]
    public void purpose_round_trips_and_stays_out_of_the_thumbprint()
    {
        using var key = Ed25519SigningKey.Generate();
        var plain = key.ToJwk("k1", includePrivate: false);
        var withPurpose = plain.With(purpose: "feed", status: "active");

        var parsed = JsonWebKey.Parse(withPurpose.ToJson());

        Assert.Equal("feed", parsed.Purpose);
        Assert.Equal("active", parsed.Status);
        Assert.Equal(plain.Thumbprint(), parsed.Thumbprint());
        Assert.Contains("\"purpose\":\"feed\"", withPurpose.ToJson());
    }

    [Fact]
    public void an_unknown_purpose_is_refused()
    {
        using var key = Ed25519SigningKey.Generate();
        var json = key.ToJwk("k1", includePrivate: false).ToJson().Replace("}", ",\"purpose\":\"anything\"}");

        var error = Assert.Throws<JoseException>(() => JsonWebKey.Parse(json));

        Assert.Contains("purpose", error.Message);
    }

    [Fact]
    public void a_member_name_with_a_lone_surrogate_escape_is_a_jose_exception()
    {
        Assert.Throws<JoseException>(() => JsonWebKey.Parse("{\"kty\":\"OKP\",\"\\udc00\":1}"));
        Assert.Throws<JoseException>(() => JsonWebKeySet.Parse("{\"keys\":[],\"\\udc00\":1,\"\\udc00\":2}"));
    }
}
