namespace Ledger.Crypto.Tests.Formats;

public sealed class Base64UrlTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("66", "Zg")]
    [InlineData("666f", "Zm8")]
    [InlineData("666f6f", "Zm9v")]
    [InlineData("fbff", "-_8")]
    public void encodes_without_padding_using_url_alphabet(string hex, string expected)
    {
        Assert.Equal(expected, Base64Url.Encode(Convert.FromHexString(hex)));
        Assert.Equal(Convert.FromHexString(hex), Base64Url.Decode(expected));
    }

    [Fact]
    public void round_trips_every_length_up_to_64_bytes()
    {
        for (var length = 0; length <= 64; length++)
        {
            var bytes = Enumerable.Range(0, length).Select(i => (byte)(i * 37 + length)).ToArray();
            Assert.Equal(bytes, Base64Url.Decode(Base64Url.Encode(bytes)));
        }
    }

    [Theory]
    [InlineData("Zg==", "padding")]
    [InlineData("Zm8=", "padding")]
    [InlineData("+_8", "standard base64")]
    [InlineData("-/8", "standard base64")]
    [InlineData("Zm 9v", "whitespace")]
    [InlineData("Zm9v\n", "whitespace")]
    [InlineData("Zm9v!", "U+0021")]
    [InlineData("Zm9vY", "length")]
    [InlineData("Zh", "canonical")]
    [InlineData("Zm9", "canonical")]
    public void rejects_non_canonical_text_with_a_clear_reason(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Base64Url.Decode(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("A")]
    [InlineData("AA")]
    [InlineData("Zm9vA")]
    [InlineData("Zm9vAA")]
    public void accepts_exactly_the_one_spelling_that_encoding_gives_back(string prefix)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        foreach (var last in Alphabet)
        {
            var text = prefix + last;
            var canonical = Base64Url.Encode(Convert.FromBase64String(Pad(text.Replace('-', '+').Replace('_', '/'))));
            if (canonical == text)
            {
                Assert.Equal(text, Base64Url.Encode(Base64Url.Decode(text)));
            }
            else
            {
                Assert.Throws<FormatException>(() => Base64Url.Decode(text));
            }
        }

        static string Pad(string text) => text + new string('=', (4 - (text.Length % 4)) % 4);
    }
}
