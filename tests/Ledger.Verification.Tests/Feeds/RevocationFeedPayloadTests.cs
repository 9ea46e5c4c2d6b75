using System.Text;
using System.Text.Json.Nodes;
using Ledger.Verification.Tests.Support;

namespace Ledger.Verification.Tests.Feeds;

public sealed class RevocationFeedPayloadTests
{
    private static readonly string ChainB = FeedChain.Encode(FeedChain.Genesis("b"));
    private static readonly string ChainC = FeedChain.Encode(FeedChain.Genesis("c"));

    private static readonly RevocationFeedPayload Delta = new(
        "ledger", 1042, RevocationFeedPayload.Delta, 1040, ChainB, ChainC,
        DateTimeOffset.FromUnixTimeSeconds(1763892000), DateTimeOffset.FromUnixTimeSeconds(1763978400), 3600, null,
        [
            new RevocationEntry(1041, Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f"), DateTimeOffset.FromUnixTimeSeconds(1763891990), "keyCompromise", DateTimeOffset.FromUnixTimeSeconds(1795427990), RevocationEntry.License),
            new RevocationEntry(1042, Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10"), DateTimeOffset.FromUnixTimeSeconds(1763891995), "superseded", DateTimeOffset.FromUnixTimeSeconds(1795427995), RevocationEntry.Attestation),
        ]);

    private static readonly RevocationFeedPayload Full = Delta with
    {
        Kind = RevocationFeedPayload.Full, BaseVersion = null, PrunedBefore = DateTimeOffset.FromUnixTimeSeconds(1760000000),
    };

    [Fact]
    public void delta_payload_json_has_the_documented_members_in_order()
    {
        var json = Encoding.UTF8.GetString(Delta.ToJson());

        Assert.Equal(
            "{\"iss\":\"ledger\",\"ver\":1042,\"kind\":\"delta\",\"base\":1040," +
            $"\"prev\":\"{ChainB}\",\"chain\":\"{ChainC}\"," +
            "\"iat\":1763892000,\"exp\":1763978400,\"refresh\":3600,\"pruned_before\":null,\"entries\":[" +
            "{\"v\":1041,\"id\":\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f\",\"at\":1763891990,\"reason\":\"keyCompromise\",\"exp\":1795427990,\"kind\":\"license\"}," +
            "{\"v\":1042,\"id\":\"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10\",\"at\":1763891995,\"reason\":\"superseded\",\"exp\":1795427995,\"kind\":\"attestation\"}]}",
            json);
    }

    [Fact]
    public void full_and_delta_payloads_round_trip_through_json()
    {
        Assert.Equal(Delta, RevocationFeedPayload.Parse(Delta.ToJson()));
        Assert.Equal(Full, RevocationFeedPayload.Parse(Full.ToJson()));
        Assert.Equal(Full.ToJson(), RevocationFeedPayload.Parse(Full.ToJson()).ToJson());
    }

    [Fact]
    public void to_json_refuses_a_payload_no_verifier_would_accept()
    {
        var unordered = Full with { Entries = [.. Full.Entries.Reverse()] };

        Assert.Throws<FeedFormatException>(() => unordered.ToJson());
        Assert.Throws<FeedFormatException>(() => (Full with { Kind = "partial" }).ToJson());
        Assert.Throws<FeedFormatException>(() => (Delta with { BaseVersion = null }).ToJson());
    }

    [Theory]
    [InlineData("iss", null)]
    [InlineData("iss", "\"\"")]
    [InlineData("iss", "\"led\\u0000ger\"")]
    [InlineData("iss", "\"ledger\\n\"")]
    [InlineData("iss", "\"ledger\\u007f\"")]
    [InlineData("iss", "\"ledger\\u0085\"")]
    [InlineData("ver", "\"1042\"")]
    [InlineData("ver", "1042.0")]
    [InlineData("ver", "1.042e3")]
    [InlineData("ver", "-1")]
    [InlineData("kind", "\"partial\"")]
    [InlineData("kind", null)]
    [InlineData("base", null)]
    [InlineData("base", "null")]
    [InlineData("base", "1043")]
    [InlineData("base_chain", "\"AAAA\"")]
    [InlineData("prev", "\"not base64url!\"")]
    [InlineData("chain", null)]
    [InlineData("iat", "\"2025-11-23\"")]
    [InlineData("exp", "1763892000")]
    [InlineData("refresh", "0")]
    [InlineData("pruned_before", null)]
    [InlineData("entries", "{}")]
    [InlineData("entries", null)]
    [InlineData("signature", "\"extra\"")]
    [InlineData("entries/0/v", "1043")]
    [InlineData("entries/0/v", "1040")]
    [InlineData("entries/1/v", "1041")]
    [InlineData("entries/0/id", "\"0193A9A0-1B2C-7D3E-8F40-5A6B7C8D9E0F\"")]
    [InlineData("entries/0/id", "\"{0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f}\"")]
    [InlineData("entries/0/id", "\"00000000-0000-0000-0000-000000000000\"")]
    [InlineData("entries/0/at", "-5")]
    [InlineData("entries/0/reason", "\"key compromise\"")]
    [InlineData("entries/0/reason", "\"\"")]
    [InlineData("entries/0/kind", "\"device\"")]
    [InlineData("entries/0/exp", null)]
    [InlineData("entries/0/note", "\"extra\"")]
    [InlineData("entries/0/rev", "2")]
    [InlineData("entries/0/kind", "\"superseded\"")]
    public void parse_refuses_a_payload_with_a_missing_mistyped_or_unknown_member(string path, string? rawValue)
    {
        var json = JsonNode.Parse(Delta.ToJson())!;
        var segments = path.Split('/');
        var parent = segments[..^1].Aggregate(json, (node, segment) => int.TryParse(segment, out var i) ? node[i]! : node[segment]!).AsObject();
        if (rawValue is null)
        {
            parent.Remove(segments[^1]);
        }
        else
        {
            parent[segments[^1]] = JsonNode.Parse(rawValue);
        }

        var error = Assert.Throws<FeedFormatException>(() => RevocationFeedPayload.Parse(Encoding.UTF8.GetBytes(json.ToJsonString())));
        Assert.NotEmpty(error.Message);
    }

    [Theory]
    [InlineData(null, "superseded")]
    [InlineData("1", "superseded")]
    [InlineData("0", "superseded")]
    [InlineData("2.0", "superseded")]
    [InlineData("\"2\"", "superseded")]
    [InlineData("2", "keyCompromise")]
    public void parse_refuses_a_revision_floor_without_a_whole_rev_of_at_least_2_or_with_another_reason(string? rev, string reason)
    {
        var json = JsonNode.Parse(Delta.ToJson())!;
        var entry = json["entries"]![0]!.AsObject();
        entry["kind"] = "superseded";
        entry["reason"] = reason;
        if (rev is not null)
        {
            entry["rev"] = JsonNode.Parse(rev);
        }

        Assert.Throws<FeedFormatException>(() => RevocationFeedPayload.Parse(Encoding.UTF8.GetBytes(json.ToJsonString())));
        entry["rev"] = 2;
        entry["reason"] = "superseded";
        Assert.Equal(2, RevocationFeedPayload.Parse(Encoding.UTF8.GetBytes(json.ToJsonString())).Entries[0].Revision);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"feed\"")]
    [InlineData("{")]
    [InlineData("{\"iss\":\"ledger\",\"iss\":\"ledger\"}")]
    [InlineData("{} {}")]
    [InlineData("{/* comment */}")]
    public void parse_refuses_text_that_is_not_one_json_object(string text)
    {
        Assert.Throws<FeedFormatException>(() => RevocationFeedPayload.Parse(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void parse_refuses_a_repeated_member_even_with_the_same_value()
    {
        var json = Encoding.UTF8.GetString(Full.ToJson()).Replace("\"ver\":1042,", "\"ver\":1042,\"ver\":1042,", StringComparison.Ordinal);

        Assert.Throws<FeedFormatException>(() => RevocationFeedPayload.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("\"iss\":\"ledger\"", "\"iss\":\"\\ud800\"")]
    [InlineData("\"iss\":\"ledger\"", "\"iss\":\"ledger\",\"\\udc00\":1")]
    public void parse_refuses_escapes_that_are_not_unicode_text(string original, string replacement)
    {
        var json = Encoding.UTF8.GetString(Full.ToJson()).Replace(original, replacement, StringComparison.Ordinal);

        Assert.Throws<FeedFormatException>(() => RevocationFeedPayload.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void parse_refuses_invalid_utf8()
    {
        var bytes = Full.ToJson();
        var at = Array.IndexOf(bytes, (byte)'l');
        bytes[at] = 0xC3;

        Assert.Throws<FeedFormatException>(() => RevocationFeedPayload.Parse(bytes));
    }

    [Fact]
    public void mutated_payloads_either_parse_or_throw_feed_format_exception()
    {
        var parsed = 0;
        foreach (var input in Mutations.Of(Delta.ToJson(), 4000, seed: 7))
        {
            var error = Record.Exception(() => RevocationFeedPayload.Parse(input));
            Assert.True(error is null or FeedFormatException, $"Unexpected {error?.GetType().Name}: {error?.Message}");
            parsed += error is null ? 1 : 0;
        }

        Assert.True(parsed < 4000);
    }
}
