using System.Buffers;

namespace Ledger.Crypto;

/// <summary>
/// Base64url without padding (RFC 7515 §2), decoded strictly: every input has exactly one accepted
/// spelling, so two different strings never stand for the same bytes.
/// </summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data) => System.Buffers.Text.Base64Url.EncodeToString(data);

    /// <exception cref="FormatException">The text is not canonical unpadded base64url.</exception>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Problem(text) is { } problem ? throw new FormatException(problem) : System.Buffers.Text.Base64Url.DecodeFromChars(text);
    }

    internal static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        if (Problem(text) is not null)
        {
            bytes = [];
            return false;
        }

        bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);
        return true;
    }

    /// <summary>Why <paramref name="text"/> is not canonical unpadded base64url, or null when it is.</summary>
    private static string? Problem(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyExcept(Alphabet);
        if (i >= 0)
        {
            var c = text[i];
            var what = c switch
            {
                '=' => "padding '='",
                '+' or '/' => $"'{c}' from standard base64 (base64url uses '-' and '_')",
                _ when char.IsWhiteSpace(c) => "whitespace",
                _ => $"the character U+{(int)c:X4}",
            };
            return $"Base64url text contains {what} at position {i}; send unpadded base64url (RFC 7515 §2) with no other characters.";
        }

        if (text.Length % 4 == 1)
        {
            return $"Base64url text of length {text.Length} cannot be decoded: no byte string encodes to a length of 4n+1.";
        }

        // Unused low bits of the last character must be zero; otherwise several strings decode alike.
        // 2 characters in the last group carry 8 of their 12 bits, 3 carry 16 of 18.
        var unusedBits = (text.Length % 4) switch { 2 => 0b1111, 3 => 0b11, _ => 0 };
        return unusedBits != 0 && (SextetOf(text[^1]) & unusedBits) != 0
            ? "Base64url text is not canonical: the unused bits of its last character are not zero."
            : null;
    }

    private static int SextetOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };

    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}
