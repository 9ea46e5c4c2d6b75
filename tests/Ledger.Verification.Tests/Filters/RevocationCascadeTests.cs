using System.Buffers.Binary;
using Ledger.Crypto;
using Ledger.Verification.Tests.Support;
using Xunit.Abstractions;

namespace Ledger.Verification.Tests.Filters;

public sealed class RevocationCascadeTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void cascade_over_100k_ids_with_1k_revoked_answers_every_id_exactly_in_under_2_5_bytes_per_revoked_id()
    {
        var universe = Ids(100_000, seed: 1);
        var revoked = universe.Take(1_000).ToList();
        var notRevoked = universe.Skip(1_000).ToList();

        Assert.All(universe, id => Assert.True(UuidV7.IsVersion7(id)));

        var cascade = RevocationCascade.Build(revoked, notRevoked);

        var wrong = revoked.Count(id => !cascade.IsRevoked(id)) + notRevoked.Count(cascade.IsRevoked);
        var bytesPerRevoked = cascade.ByteLength / (double)revoked.Count;
        output.WriteLine($"100,000 ids, 1,000 revoked: {cascade.Levels} levels, {cascade.ByteLength} bytes, {bytesPerRevoked:F3} bytes per revoked id.");
        Assert.Equal(0, wrong);
        Assert.True(bytesPerRevoked <= 2.5, $"{bytesPerRevoked:F3} bytes per revoked id");
        Assert.Equal(cascade.ByteLength, cascade.ToBytes().Length);
    }

    [Fact]
    public void parsed_cascade_gives_the_same_answers_as_the_built_one()
    {
        var universe = Ids(5_000, seed: 2);
        var revoked = universe.Take(200).ToList();
        var cascade = RevocationCascade.Build(revoked, universe.Skip(200).ToList(), seed: 42);

        var parsed = RevocationCascade.Parse(cascade.ToBytes());

        Assert.Equal(cascade.Levels, parsed.Levels);
        Assert.Equal(cascade.ToBytes(), parsed.ToBytes());
        Assert.All(universe, id => Assert.Equal(revoked.Contains(id), parsed.IsRevoked(id)));
    }

    [Fact]
    public void same_sets_and_seed_build_the_same_bytes_in_any_order()
    {
        var universe = Ids(3_000, seed: 3);
        var revoked = universe.Take(100).ToList();
        var notRevoked = universe.Skip(100).ToList();

        var first = RevocationCascade.Build(revoked, notRevoked, seed: 9).ToBytes();
        var shuffled = RevocationCascade.Build([.. revoked.AsEnumerable().Reverse()], [.. notRevoked.OrderBy(id => id.GetHashCode())], seed: 9).ToBytes();
        var otherSeed = RevocationCascade.Build(revoked, notRevoked, seed: 10).ToBytes();

        Assert.Equal(first, shuffled);
        Assert.NotEqual(first, otherSeed);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 10)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 1000)]
    [InlineData(500, 500)]
    [InlineData(999, 1)]
    public void small_and_lopsided_universes_are_answered_exactly(int revokedCount, int notRevokedCount)
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var universe = Ids(revokedCount + notRevokedCount, seed: 100 + seed);
            var revoked = universe.Take(revokedCount).ToList();
            var notRevoked = universe.Skip(revokedCount).ToList();

            var cascade = RevocationCascade.Parse(RevocationCascade.Build(revoked, notRevoked, (uint)seed).ToBytes());

            Assert.All(revoked, id => Assert.True(cascade.IsRevoked(id)));
            Assert.All(notRevoked, id => Assert.False(cascade.IsRevoked(id)));
        }
    }

    [Fact]
    public void build_refuses_an_id_that_is_both_revoked_and_not()
    {
        var id = UuidV7.NewId(Start);

        Assert.Throws<ArgumentException>(() => RevocationCascade.Build([id], [id, UuidV7.NewId(Start)]));
    }

    [Fact]
    public void level_positions_follow_the_documented_hash()
    {
        var id = Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f");
        var cascade = RevocationCascade.Build([id], []);
        var bytes = cascade.ToBytes();
        var bits = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5));
        var k = bytes[9];
        var salt = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(10));
        var filter = bytes.AsSpan(14);

        byte[] input = [.. bytes.AsSpan(10, 4), 1, .. id.ToByteArray(bigEndian: true)];
        var h = System.Security.Cryptography.SHA256.HashData(input);
        var expected = new bool[bits];
        var h1 = BinaryPrimitives.ReadUInt64BigEndian(h);
        var h2 = BinaryPrimitives.ReadUInt64BigEndian(h.AsSpan(8));
        for (ulong j = 0; j < k; j++)
        {
            expected[(h1 + (j * h2)) % bits] = true;
        }

        Assert.Equal(1, cascade.Levels);
        Assert.Equal(0u, salt);
        for (var i = 0; i < bits; i++)
        {
            Assert.Equal(expected[i], ((filter[i / 8] >> (i % 8)) & 1) == 1);
        }
    }

    [Fact]
    public void parse_refuses_malformed_cascades()
    {
        var valid = RevocationCascade.Build(Ids(50, seed: 5), Ids(500, seed: 6)).ToBytes();
        Assert.True(valid.Length > 20);

        var cases = new Dictionary<string, byte[]>
        {
            ["empty"] = [],
            ["magic only"] = "LBC1"u8.ToArray(),
            ["wrong magic"] = [.. "LBC2"u8, .. valid.AsSpan(4)],
            ["zero levels"] = [.. "LBC1"u8, 0],
            ["65 levels"] = [.. "LBC1"u8, 65, .. valid.AsSpan(5)],
            ["truncated header"] = valid[..10],
            ["truncated bits"] = valid[..^1],
            ["trailing byte"] = [.. valid, 0],
            ["more levels than present"] = [.. valid[..4], (byte)(valid[4] + 1), .. valid.AsSpan(5)],
            ["zero bit count"] = Level(0, 3, []),
            ["zero hash count"] = Level(8, 0, [0xFF]),
            ["bit count larger than its bytes"] = Level(17, 2, [0xFF, 0xFF]),
            ["bit count smaller than its bytes"] = Level(8, 2, [0xFF, 0xFF]),
            ["bits set past the bit count"] = Level(12, 2, [0xFF, 0x1F]),
            ["huge bit count"] = Level(uint.MaxValue, 2, [0xFF]),
        };

        foreach (var (name, bytes) in cases)
        {
            var error = Record.Exception(() => RevocationCascade.Parse(bytes));
            Assert.True(error is FeedFormatException, $"{name}: expected FeedFormatException, got {error?.GetType().Name ?? "success"}");
        }

        Assert.Equal(1, RevocationCascade.Parse(Level(12, 2, [0xFF, 0x0F])).Levels);
    }

    [Fact]
    public void mutated_cascades_either_parse_or_throw_feed_format_exception()
    {
        var universe = Ids(400, seed: 8);
        var valid = RevocationCascade.Build(universe.Take(40).ToList(), universe.Skip(40).ToList()).ToBytes();
        var parsed = 0;
        foreach (var input in Mutations.Of(valid, 5000, seed: 11))
        {
            var error = Record.Exception(() =>
            {
                var cascade = RevocationCascade.Parse(input);
                _ = universe.Take(20).Count(cascade.IsRevoked);
                Assert.Equal(input, cascade.ToBytes());
            });
            Assert.True(error is null or FeedFormatException, $"Unexpected {error?.GetType().Name}: {error?.Message}");
            parsed += error is null ? 1 : 0;
        }

        output.WriteLine($"{parsed} of 5000 mutated cascades still parsed (bit flips inside filters).");
    }

    private static byte[] Level(uint bits, byte k, byte[] filter)
    {
        var header = new byte[9];
        BinaryPrimitives.WriteUInt32BigEndian(header, bits);
        header[4] = k;
        return [.. "LBC1"u8, 1, .. header, .. filter];
    }

    private static List<Guid> Ids(int count, int seed)
    {
        var random = new Random(seed);
        var ids = new HashSet<Guid>();
        while (ids.Count < count)
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            var millis = Start.ToUnixTimeMilliseconds() + random.NextInt64(365L * 24 * 3600 * 1000);
            BinaryPrimitives.WriteUInt64BigEndian(bytes, ((ulong)millis << 16) | (bytes[6] & 0x0Fu) << 8 | bytes[7] | 0x7000);
            bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
            ids.Add(new Guid(bytes, bigEndian: true));
        }

        return [.. ids];
    }
}
