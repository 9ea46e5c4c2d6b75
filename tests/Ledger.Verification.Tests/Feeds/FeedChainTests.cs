using System.Security.Cryptography;
using System.Text;

namespace Ledger.Verification.Tests.Feeds;

public sealed class FeedChainTests
{
    private static readonly RevocationEntry Example = new(
        1041, Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f"), DateTimeOffset.FromUnixTimeSeconds(1763891990), "keyCompromise", DateTimeOffset.FromUnixTimeSeconds(1795427990), RevocationEntry.License);

    // Computed independently (Python hashlib) and printed in docs/FEEDS.md as test vectors.
    [Fact]
    public void genesis_and_first_link_match_the_documented_vectors()
    {
        var genesis = FeedChain.Genesis("ledger");
        var first = FeedChain.Extend(genesis, Example with { Version = 1 });

        Assert.Equal("lq8L3cAp512UzJsW9lQlzCLf-dXnkSPbMibii-PwVp0", FeedChain.Encode(genesis));
        Assert.Equal("6TF8kXRVSStkhcz04y9JrU_M_0hjWOuMGatGTDR6nm8", FeedChain.Encode(first));
    }

    [Fact]
    public void a_revision_floor_hashes_its_rev_as_a_fifth_line_and_matches_the_documented_vector()
    {
        var first = FeedChain.Extend(FeedChain.Genesis("ledger"), Example with { Version = 1 });
        var floor = new RevocationEntry(2, Example.Id, DateTimeOffset.FromUnixTimeSeconds(1763895590), "superseded", Example.ExpiresAt, RevocationEntry.Superseded, 2);
        var expected = SHA256.HashData([.. first, .. Encoding.UTF8.GetBytes("2\n0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f\n1763895590\nsuperseded\n2\n")]);

        Assert.Equal(expected, FeedChain.Extend(first, floor));
        Assert.Equal("iaJEG7sZJNNipQRDEytm_cN9FIT7jfuLkzzMtLVZcy4", FeedChain.Encode(FeedChain.Extend(first, floor)));
        Assert.NotEqual(FeedChain.Extend(first, floor), FeedChain.Extend(first, floor with { Revision = 3 }));
        Assert.NotEqual(FeedChain.Extend(first, floor), FeedChain.Extend(first, floor with { Kind = RevocationEntry.License, Revision = null }));
    }

    [Fact]
    public void link_hashes_the_previous_hash_then_version_lowercase_id_unix_seconds_and_reason()
    {
        var previous = SHA256.HashData("anything"u8);
        var expected = SHA256.HashData([.. previous, .. Encoding.UTF8.GetBytes("1041\n0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f\n1763891990\nkeyCompromise\n")]);

        Assert.Equal(expected, FeedChain.Extend(previous, Example));
    }

    [Fact]
    public void expiry_and_kind_are_not_part_of_the_chain_but_sub_seconds_are_dropped()
    {
        var genesis = FeedChain.Genesis("ledger");
        var variant = Example with { ExpiresAt = Example.ExpiresAt.AddDays(1), Kind = RevocationEntry.Attestation, RevokedAt = Example.RevokedAt.AddMilliseconds(999) };

        Assert.Equal(FeedChain.Extend(genesis, Example), FeedChain.Extend(genesis, variant));
    }

    [Fact]
    public void genesis_differs_per_issuer()
    {
        Assert.NotEqual(FeedChain.Genesis("ledger"), FeedChain.Genesis("ledger-staging"));
    }

    [Fact]
    public void fold_extends_in_order()
    {
        var genesis = FeedChain.Genesis("ledger");
        var second = Example with { Version = 1042, Id = Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e10") };

        Assert.Equal(FeedChain.Extend(FeedChain.Extend(genesis, Example), second), FeedChain.Fold(genesis, [Example, second]));
        Assert.NotEqual(FeedChain.Fold(genesis, [second, Example]), FeedChain.Fold(genesis, [Example, second]));
    }

    [Fact]
    public void extend_refuses_a_previous_hash_of_the_wrong_length()
    {
        Assert.Throws<ArgumentException>(() => FeedChain.Extend(new byte[31], Example));
    }
}
