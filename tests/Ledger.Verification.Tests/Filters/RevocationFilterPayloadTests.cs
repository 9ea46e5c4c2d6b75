using System.Text;
using System.Text.Json.Nodes;
using Ledger.Crypto;

namespace Ledger.Verification.Tests.Filters;

public sealed class RevocationFilterPayloadTests
{
    private static readonly RevocationFilterPayload Filter = new(
        "ledger", 1042, FeedChain.Encode(FeedChain.Genesis("ledger")),
        DateTimeOffset.FromUnixTimeSeconds(1763892000), DateTimeOffset.FromUnixTimeSeconds(1763978400), DateTimeOffset.FromUnixTimeSeconds(1763888400),
        RevocationCascade.Build([Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f")], [Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10")]).ToBytes(),
        new Dictionary<Guid, int> { [Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10")] = 3 });

    [Fact]
    public void filter_payload_round_trips_through_json_with_the_documented_members()
    {
        var json = Filter.ToJson();

        Assert.Equal(Filter, RevocationFilterPayload.Parse(json));
        Assert.Equal(
            $"{{\"iss\":\"ledger\",\"ver\":1042,\"chain\":\"{Filter.Chain}\",\"iat\":1763892000,\"exp\":1763978400,\"covers_until\":1763888400,\"cascade\":\"{Base64Url.Encode(Filter.Cascade)}\",\"superseded\":{{\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10\":3}}}}",
            Encoding.UTF8.GetString(json));
        Assert.True(RevocationFilterPayload.Parse(json).ReadCascade().IsRevoked(Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f")));
    }

    [Theory]
    [InlineData("iss", "\"led\\u0000ger\"")]
    [InlineData("iss", "\"ledger\\u007f\"")]
    [InlineData("iss", "\"ledger\\u0085\"")]
    [InlineData("covers_until", null)]
    [InlineData("covers_until", "\"soon\"")]
    [InlineData("cascade", "\"TEJDMQ\"")]
    [InlineData("cascade", "\"not base64!\"")]
    [InlineData("cascade", "42")]
    [InlineData("chain", "\"AAAA\"")]
    [InlineData("exp", "1763892000")]
    [InlineData("entries", "[]")]
    [InlineData("superseded", null)]
    [InlineData("superseded", "[]")]
    [InlineData("superseded", "{\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10\":1}")]
    [InlineData("superseded", "{\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10\":2.0}")]
    [InlineData("superseded", "{\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10\":\"2\"}")]
    [InlineData("superseded", "{\"0193A9A0-1B2C-7D3E-8F40-5A6B7C8D9E10\":2}")]
    public void parse_refuses_a_filter_payload_with_a_missing_mistyped_or_unknown_member(string member, string? rawValue)
    {
        var json = JsonNode.Parse(Filter.ToJson())!.AsObject();
        if (rawValue is null)
        {
            json.Remove(member);
        }
        else
        {
            json[member] = JsonNode.Parse(rawValue);
        }

        Assert.Throws<FeedFormatException>(() => RevocationFilterPayload.Parse(Encoding.UTF8.GetBytes(json.ToJsonString())));
    }

    [Fact]
    public void to_json_refuses_cascade_bytes_that_do_not_parse()
    {
        Assert.Throws<FeedFormatException>(() => (Filter with { Cascade = [.. Filter.Cascade, 0] }).ToJson());
    }
}
