using System.Text.Json;

namespace Ledger.Crypto.Tests.Ids;

public sealed class UuidV7Tests
{
    private static readonly JsonElement Rfc9562 = TestVectors.Load("rfc/rfc9562_vectors.json");

    [Fact]
    public void rfc9562_a6_example_has_version_7_variant_10_and_its_timestamp()
    {
        var vector = Vector("A.6");
        var text = TestVectors.Text(vector, "final");

        Assert.True(UuidV7.TryParse(text, out var id));
        Assert.True(UuidV7.IsVersion7(id));
        Assert.Equal(text.ToLowerInvariant(), id.ToString());
        Assert.Equal('7', id.ToString()[14]);
        Assert.Contains(id.ToString()[19], "89ab");
        Assert.Equal(Convert.FromHexString(text.Replace("-", string.Empty, StringComparison.Ordinal)), id.ToByteArray(bigEndian: true));
        Assert.Equal(vector.GetProperty("unix_ts_ms_dec").GetInt64(), UuidV7.Timestamp(id).ToUnixTimeMilliseconds());
        Assert.Equal(DateTimeOffset.Parse("2022-02-22T19:22:22Z", System.Globalization.CultureInfo.InvariantCulture), UuidV7.Timestamp(id));
    }

    [Fact]
    public void id_for_the_rfc_instant_starts_with_the_rfc_timestamp()
    {
        var id = UuidV7.NewId(DateTimeOffset.FromUnixTimeMilliseconds(1645557742000));
        var text = id.ToString();

        Assert.StartsWith("017f22e2-79b0-7", text, StringComparison.Ordinal);
        Assert.Contains(text[19], "89ab");
        Assert.Equal(1645557742000, UuidV7.Timestamp(id).ToUnixTimeMilliseconds());
    }

    [Fact]
    public void new_id_shows_version_7_in_its_text_and_carries_the_current_time()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = UuidV7.NewId();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var text = id.ToString();

        Assert.Equal('7', text[14]);
        Assert.Contains(text[19], "89ab");
        Assert.Equal(7, id.Version);
        Assert.InRange(UuidV7.Timestamp(id).ToUnixTimeMilliseconds(), before, after + 1);
    }

    [Fact]
    public void ids_from_a_tight_loop_of_100000_are_strictly_increasing()
    {
        var ids = new Guid[100_000];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = UuidV7.NewId();
        }

        for (var i = 1; i < ids.Length; i++)
        {
            var (previous, current) = (ids[i - 1], ids[i]);
            Assert.True(string.CompareOrdinal(previous.ToString(), current.ToString()) < 0, $"id {i} {current} is not after {previous}");
            Assert.True(previous.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(current.ToByteArray(bigEndian: true)) < 0);
            Assert.True(previous.CompareTo(current) < 0);
            Assert.True(UuidV7.IsVersion7(current));
        }
    }

    [Fact]
    public void ids_from_parallel_threads_are_unique()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                ids.Add(UuidV7.NewId());
            }
        });

        Assert.Equal(100_000, ids.Distinct().Count());
    }

    [Fact]
    public void clock_stepping_back_never_makes_ids_go_backwards()
    {
        var first = UuidV7.NewId();
        var second = UuidV7.NewMonotonic(new FixedClock(DateTimeOffset.UtcNow.AddMinutes(-5)));
        var third = UuidV7.NewMonotonic(new FixedClock(DateTimeOffset.UtcNow.AddMinutes(-5)));

        Assert.True(first.CompareTo(second) < 0);
        Assert.True(second.CompareTo(third) < 0);
        Assert.True(UuidV7.Timestamp(second) >= UuidV7.Timestamp(first));
    }

    [Fact]
    public void rfc9562_v6_is_accepted_for_files_from_other_tools()
    {
        var text = TestVectors.Text(Vector("A.5"), "final");

        Assert.True(UuidV7.TryParse(text, out var id));
        Assert.Equal(text.ToLowerInvariant(), id.ToString());
        Assert.False(UuidV7.IsVersion7(id));
        Assert.Throws<ArgumentException>(() => UuidV7.Timestamp(id));
    }

    [Theory]
    [InlineData("A.1")]
    [InlineData("A.2")]
    [InlineData("A.3")]
    [InlineData("A.4")]
    public void rfc9562_other_versions_are_refused(string section)
    {
        Assert.False(UuidV7.TryParse(TestVectors.Text(Vector(section), "final"), out var id));
        Assert.Equal(Guid.Empty, id);
    }

    [Theory]
    [InlineData("017F22E2-79B0-7CC3-D8C4-DC0C0C07398F")] // variant 110 (Microsoft)
    [InlineData("017F22E2-79B0-7CC3-08C4-DC0C0C07398F")] // variant 0 (NCS)
    [InlineData("017F22E2-79B0-8CC3-98C4-DC0C0C07398F")] // version 8
    [InlineData("{017F22E2-79B0-7CC3-98C4-DC0C0C07398F}")]
    [InlineData("017F22E279B07CC398C4DC0C0C07398F")]
    [InlineData(" 017F22E2-79B0-7CC3-98C4-DC0C0C07398F")]
    [InlineData("017F22E2-79B0-7CC3-98C4-DC0C0C07398")]
    [InlineData("")]
    [InlineData(null)]
    public void text_that_is_not_a_canonical_v6_or_v7_is_refused(string? text)
    {
        Assert.False(UuidV7.TryParse(text, out _));
    }

    [Fact]
    public void instant_before_1970_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UuidV7.NewId(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }

    private static JsonElement Vector(string section) =>
        Rfc9562.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("section").GetString() == section);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
