namespace Ledger.Crypto.Tests.Keys;

public sealed class JsonWebKeySetTests
{
    private const string PublicKey = """{"kty":"OKP","crv":"Ed25519","kid":"license-1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""";
    private const string PrivateKey = """{"kty":"OKP","crv":"Ed25519","kid":"license-1","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""";

    [Fact]
    public void public_jwks_parses_and_finds_by_exact_kid()
    {
        using var other = Ed25519SigningKey.Generate();
        var set = JsonWebKeySet.Parse($$"""{"keys":[{{PublicKey}},{{other.ToJwk("license-2", false).ToJson()}}]}""");

        Assert.Equal(2, set.Keys.Count);
        Assert.Equal("license-1", set.Find("license-1")!.Kid);
        Assert.Null(set.Find("LICENSE-1"));
        Assert.Null(set.Find("license"));
    }

    [Fact]
    public void private_jwks_is_refused_by_parse_with_guidance()
    {
        var error = Assert.Throws<JoseException>(() => JsonWebKeySet.Parse($$"""{"keys":[{{PrivateKey}}]}"""));
        Assert.Contains("public keys only", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void private_jwks_is_accepted_by_parse_private_and_published_without_d()
    {
        var set = JsonWebKeySet.ParsePrivate($$"""{"keys":[{{PrivateKey}}]}""");

        Assert.True(set.HasPrivateKeys);
        var published = set.ToJson();
        Assert.DoesNotContain("\"d\"", published, StringComparison.Ordinal);
        Assert.False(JsonWebKeySet.Parse(published).HasPrivateKeys);
        Assert.Contains("\"d\"", set.ToJson(includePrivate: true), StringComparison.Ordinal);
    }

    [Fact]
    public void duplicate_kids_are_rejected()
    {
        using var other = Ed25519SigningKey.Generate();
        var error = Assert.Throws<JoseException>(() => JsonWebKeySet.Parse($$"""{"keys":[{{PublicKey}},{{other.ToJwk("license-1", false).ToJson()}}]}"""));
        Assert.Contains("two keys with kid 'license-1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void one_bad_key_refuses_the_whole_set()
    {
        var error = Assert.Throws<JoseException>(() => JsonWebKeySet.Parse($$"""{"keys":[{{PublicKey}},{"kty":"oct","k":"c2VjcmV0"}]}"""));
        Assert.Contains("key #1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"keys":{}}""")]
    [InlineData("""{"keys":[],"keys":[]}""")]
    [InlineData("""[]""")]
    public void document_without_a_single_keys_array_is_rejected(string json)
    {
        Assert.Throws<JoseException>(() => JsonWebKeySet.Parse(json));
    }

    [Fact]
    public void serializes_and_reparses_to_the_same_text()
    {
        var encryption = Jwe.GenerateP256("enc-1");
        using var signing = Ed25519SigningKey.Generate();
        var set = new JsonWebKeySet([signing.ToJwk("sig-1", false).With(status: "active"), encryption.ToPublic()]);

        Assert.Equal(set.ToJson(), JsonWebKeySet.Parse(set.ToJson()).ToJson());
    }
}
