using System.Text.Json;

namespace Ledger.Crypto.Tests.Ids;

public sealed class UuidV6Tests
{
    private static readonly JsonElement Rfc9562 = TestVectors.Load("rfc/rfc9562_vectors.json");

    [Fact]
    public void rfc9562_a5_example_parses_as_version_6_with_its_timestamp()
    {
        var text = TestVectors.Text(Vector("A.5"), "final");

        Assert.True(UuidV6.TryParse(text, out var id));
        Assert.True(UuidV6.IsVersion6(id));
        Assert.Equal(DateTimeOffset.Parse("2022-02-22T19:22:22Z", System.Globalization.CultureInfo.InvariantCulture), UuidV6.Timestamp(id));
    }

    [Fact]
    public void an_id_for_the_rfc_instant_has_the_rfc_timestamp_fields()
    {
        var id = UuidV6.NewId(DateTimeOffset.Parse("2022-02-22T19:22:22Z", System.Globalization.CultureInfo.InvariantCulture));
        var text = id.ToString();

        // time_high, time_mid and version + time_low of RFC 9562 A.5: 1EC9414C-232A-6B00.
        Assert.True(text.StartsWith("1ec9414c-232a-6b0", StringComparison.Ordinal), text);
        Assert.Contains(text[19], "89ab");
        Assert.True(UuidV6.IsVersion6(id));
    }

    [Fact]
    public void new_ids_carry_the_current_time_and_increase()
    {
        var before = DateTimeOffset.UtcNow;
        var first = UuidV6.NewId();
        var second = UuidV6.NewId();

        Assert.True(UuidV6.Timestamp(first) >= before.AddMilliseconds(-1));
        Assert.True(UuidV6.Timestamp(second) <= DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.True(string.CompareOrdinal(first.ToString(), second.ToString()) < 0);
        Assert.Equal('6', first.ToString()[14]);
    }

    [Theory]
    [InlineData("A.1")]
    [InlineData("A.6")]
    public void other_versions_are_not_v6(string section)
    {
        Assert.False(UuidV6.TryParse(TestVectors.Text(Vector(section), "final"), out _));
    }

    private static JsonElement Vector(string section) =>
        Rfc9562.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("section").GetString() == section);
}
