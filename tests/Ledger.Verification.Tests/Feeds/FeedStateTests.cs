using Ledger.Crypto;

namespace Ledger.Verification.Tests.Feeds;

public sealed class FeedStateTests
{
    private static readonly FeedState State = new(
        "ledger", 1042, FeedChain.Encode(FeedChain.Genesis("ledger")),
        new HashSet<Guid> { Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f"), Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10") },
        DateTimeOffset.FromUnixTimeSeconds(1763978400), DateTimeOffset.FromUnixTimeSeconds(1760000000));

    [Fact]
    public void feed_state_round_trips_through_json()
    {
        Assert.Equal(State, FeedState.Parse(State.ToJson()));
        var fromFilter = State with { Revoked = new HashSet<Guid>(), PrunedBefore = null, FromFilter = true };
        Assert.Equal(fromFilter, FeedState.Parse(fromFilter.ToJson()));
        Assert.NotEqual(State, fromFilter);
    }

    [Fact]
    public void feed_state_json_is_deterministic_with_ids_in_order()
    {
        var reversed = State with { Revoked = new HashSet<Guid>(State.Revoked.Reverse()) };

        Assert.Equal(State.ToJson(), reversed.ToJson());
        Assert.Equal(
            $"{{\"iss\":\"ledger\",\"ver\":1042,\"chain\":\"{State.Chain}\",\"revoked\":[\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f\",\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10\"],\"revoked_exp\":{{}},\"superseded\":{{}},\"exp\":1763978400,\"pruned_before\":1760000000,\"from_filter\":false}}",
            State.ToJson());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"iss\":\"ledger\",\"ver\":1,\"chain\":\"AAAA\",\"revoked\":[],\"exp\":1,\"pruned_before\":null,\"from_filter\":false}")]
    [InlineData("{\"iss\":\"ledger\",\"ver\":1,\"chain\":\"lq8L3cAp512UzJsW9lQlzCLf-dXnkSPbMibii-PwVp0\",\"revoked\":[\"x\"],\"exp\":1,\"pruned_before\":null,\"from_filter\":false}")]
    [InlineData("{\"iss\":\"ledger\",\"ver\":1,\"chain\":\"lq8L3cAp512UzJsW9lQlzCLf-dXnkSPbMibii-PwVp0\",\"revoked\":[],\"exp\":1,\"pruned_before\":null,\"from_filter\":\"no\"}")]
    [InlineData("{\"iss\":\"ledger\",\"ver\":1,\"chain\":\"lq8L3cAp512UzJsW9lQlzCLf-dXnkSPbMibii-PwVp0\",\"revoked\":[],\"exp\":1,\"pruned_before\":null}")]
    [InlineData("{\"iss\":\"ledger\",\"ver\":1,\"chain\":\"lq8L3cAp512UzJsW9lQlzCLf-dXnkSPbMibii-PwVp0\",\"revoked\":[\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f\"],\"exp\":1,\"pruned_before\":null,\"from_filter\":true}")]
    [InlineData("{\"iss\":\"ledger\",\"ver\":1,\"chain\":\"lq8L3cAp512UzJsW9lQlzCLf-dXnkSPbMibii-PwVp0\",\"revoked\":[\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f\",\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f\"],\"exp\":1,\"pruned_before\":null,\"from_filter\":false}")]
    public void parse_refuses_a_damaged_stored_state(string json)
    {
        Assert.Throws<FeedFormatException>(() => FeedState.Parse(json));
    }

    [Theory]
    [InlineData("led\\u0000ger")]
    [InlineData("ledger\\t")]
    [InlineData("ledger\\u007f")]
    [InlineData("ledger\\u0085")]
    public void parse_refuses_a_stored_state_whose_issuer_has_a_control_character(string escapedIssuer)
    {
        var json = State.ToJson();
        Assert.Equal(State with { Issuer = "ledger-2" }, FeedState.Parse(json.Replace("\"iss\":\"ledger\"", "\"iss\":\"ledger-2\"")));

        var error = Assert.Throws<FeedFormatException>(() => FeedState.Parse(json.Replace("\"iss\":\"ledger\"", $"\"iss\":\"{escapedIssuer}\"")));
        Assert.Contains("'iss'", error.Message);
    }

    [Fact]
    public void stored_state_of_an_accepted_feed_survives_a_round_trip()
    {
        using var key = Ed25519SigningKey.Generate();
        var jwks = new JsonWebKeySet([JsonWebKey.FromEd25519(key.PublicKey, [], "feed-1").ToPublic().With(purpose: "feed")]);
        var chain = FeedChain.Genesis("ledger");
        var entry = new RevocationEntry(1, UuidV7.NewId(DateTimeOffset.FromUnixTimeSeconds(1760000000)), DateTimeOffset.FromUnixTimeSeconds(1763000000), "keyCompromise", DateTimeOffset.FromUnixTimeSeconds(1800000000), RevocationEntry.License);
        var feed = new RevocationFeedPayload("ledger", 1, RevocationFeedPayload.Full, null, FeedChain.Encode(chain), FeedChain.Encode(FeedChain.Extend(chain, entry)),
            DateTimeOffset.FromUnixTimeSeconds(1763000100), DateTimeOffset.FromUnixTimeSeconds(1763086500), 3600, null, [entry]);
        var accepted = RevocationFeeds.Accept(Jws.Sign(feed.ToJson(), key, "feed-1", RevocationFeedPayload.TokenType), jwks, "ledger", null, DateTimeOffset.FromUnixTimeSeconds(1763000200));

        Assert.Equal(accepted.State, FeedState.Parse(accepted.State!.ToJson()));
    }
}
