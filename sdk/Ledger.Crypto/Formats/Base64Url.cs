namespace Ledger.Crypto;

/// <summary>
/// Base64url without padding (RFC 7515 §2), decoded strictly: every input has exactly one accepted
/// spelling, so two different strings never stand for the same bytes.
/// </summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var text = Convert.ToBase64String(data);
        return text.TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <exception cref="FormatException">The text is not canonical unpadded base64url.</exception>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsAlphabet(c))
            {
                continue;
            }

            var what = c switch
            {
                '=' => "padding '='",
                '+' or '/' => $"'{c}' from standard base64 (base64url uses '-' and '_')",
                _ when char.IsWhiteSpace(c) => "whitespace",
                _ => $"the character U+{(int)c:X4}",
            };
            throw new FormatException($"Base64url text contains {what} at position {i}; send unpadded base64url (RFC 7515 §2) with no other characters.");
        }

        if (text.Length % 4 == 1)
        {
            throw new FormatException($"Base64url text of length {text.Length} cannot be decoded: no byte string encodes to a length of 4n+1.");
        }

        var padded = text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4);
        var bytes = Convert.FromBase64String(padded);

        // Unused low bits of the last character must be zero; otherwise several strings decode alike.
        if (!string.Equals(Encode(bytes), text, StringComparison.Ordinal))
        {
            throw new FormatException("Base64url text is not canonical: the unused bits of its last character are not zero.");
        }

        return bytes;
    }

    internal static bool TryDecode(string text, out byte[] bytes)
    {
        try
        {
            bytes = Decode(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    private static bool IsAlphabet(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';
}
