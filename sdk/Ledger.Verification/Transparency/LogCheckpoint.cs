using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>
/// A checkpoint of Notary's signature log: a C2SP signed note (c2sp.org/signed-note,
/// c2sp.org/tlog-checkpoint) whose body is the origin, the tree size, the standard-base64 root hash and
/// one extension line <c>time &lt;Unix seconds&gt;</c>, signed with Ed25519 by the <c>checkpoint</c> key of
/// Notary's JWKS. docs/TRANSPARENCY.md has the byte-exact format.
/// </summary>
public sealed record LogCheckpoint(string Origin, long Size, byte[] RootHash, DateTimeOffset Time)
{
    public const string Purpose = "checkpoint";

    /// <summary>Notes are small; anything larger is refused before parsing.</summary>
    public const int MaxNoteBytes = 8 * 1024;

    private const string SignaturePrefix = "\u2014 ";

    /// <summary>The signed text: every line ends in a line feed.</summary>
    public string Body()
    {
        if (Origin.Length == 0 || Origin.Any(c => c is <= ' ' or > '~') || Size < 0 || RootHash.Length != MerkleTree.HashLength)
        {
            throw new FeedFormatException("A checkpoint needs an origin of printable ASCII without spaces, a size of 0 or more and a 32-byte root hash.");
        }

        return $"{Origin}\n{Size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(RootHash)}\ntime {Time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}\n";
    }

    /// <summary>The signed note's 4-byte key id: the first bytes of SHA-256(name || 0x0A || 0x01 || public key), 0x01 naming Ed25519.</summary>
    public static byte[] KeyHash(string name, ReadOnlySpan<byte> ed25519PublicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buffer = new byte[nameBytes.Length + 2 + ed25519PublicKey.Length];
        nameBytes.CopyTo(buffer, 0);
        buffer[nameBytes.Length] = 0x0A;
        buffer[nameBytes.Length + 1] = 0x01;
        ed25519PublicKey.CopyTo(buffer.AsSpan(nameBytes.Length + 2));
        return SHA256.HashData(buffer)[..4];
    }

    /// <summary>The whole note: body, a blank line, and one signature line by the key named <see cref="Origin"/>.</summary>
    public string ToNote(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature)
    {
        var blob = new byte[4 + signature.Length];
        KeyHash(Origin, publicKey).CopyTo(blob, 0);
        signature.CopyTo(blob.AsSpan(4));
        return $"{Body()}\n{SignaturePrefix}{Origin} {Convert.ToBase64String(blob)}\n";
    }

    /// <summary>
    /// Parses a note and checks that one of its signature lines, named <paramref name="origin"/>, verifies
    /// with a <c>checkpoint</c> key of <paramref name="trusted"/> that is not retired or compromised.
    /// </summary>
    public static CheckpointVerification Verify(string note, JsonWebKeySet trusted, string origin)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        if (note is null || Encoding.UTF8.GetByteCount(note) > MaxNoteBytes)
        {
            return CheckpointVerification.Refused($"A checkpoint note is at most {MaxNoteBytes} bytes.");
        }

        var split = note.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !note.EndsWith('\n'))
        {
            return CheckpointVerification.Refused("Not a signed note: the body and the signatures are separated by a blank line, and every line ends in a line feed.");
        }

        var body = note[..(split + 1)];
        LogCheckpoint checkpoint;
        try
        {
            checkpoint = ParseBody(body);
        }
        catch (FeedFormatException e)
        {
            return CheckpointVerification.Refused(e.Message);
        }

        if (!string.Equals(checkpoint.Origin, origin, StringComparison.Ordinal))
        {
            return CheckpointVerification.Refused($"The checkpoint is of log '{JsonMembers.Printable(checkpoint.Origin)}', not of '{origin}'.");
        }

        var bodyBytes = Encoding.UTF8.GetBytes(body);
        foreach (var line in note[(split + 2)..].Split('\n', StringSplitOptions.None).SkipLast(1))
        {
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
            {
                return CheckpointVerification.Refused("A signature line starts with an em dash and a space.");
            }

            var fields = line[SignaturePrefix.Length..].Split(' ');
            if (fields.Length != 2 || fields[0] != origin)
            {
                continue;
            }

            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(fields[1]);
            }
            catch (FormatException)
            {
                continue;
            }

            if (blob.Length != 4 + Ed25519Signature.SignatureLength)
            {
                continue;
            }

            foreach (var key in trusted.Keys.Where(k => k.IsEd25519 && k.Purpose == Purpose))
            {
                var publicKey = Base64Url.Decode(key.X);
                if (!blob.AsSpan(0, 4).SequenceEqual(KeyHash(origin, publicKey)))
                {
                    continue;
                }

                if (KeyStatus.IsWithdrawn(key))
                {
                    return CheckpointVerification.Refused($"The checkpoint is signed with key '{key.Kid}', which the JWKS marks {key.Status}.");
                }

                if (Ed25519Signature.Verify(publicKey, bodyBytes, blob.AsSpan(4)))
                {
                    return new CheckpointVerification(checkpoint, key.Kid, null);
                }

                return CheckpointVerification.Refused($"The checkpoint's signature by key '{key.Kid}' does not verify: the note was altered.");
            }
        }

        return CheckpointVerification.Refused($"No signature on the checkpoint is by a checkpoint key of the trusted JWKS for '{origin}'. Refresh the JWKS from Notary.");
    }

    private static LogCheckpoint ParseBody(string body)
    {
        var lines = body.Split('\n');
        // The body ends with a line feed, so the last element is empty.
        if (lines.Length != 5)
        {
            throw new FeedFormatException("A checkpoint body has four lines: origin, tree size, root hash, time.");
        }

        var origin = lines[0];
        if (origin.Length == 0 || origin.Any(c => c is <= ' ' or > '~'))
        {
            throw new FeedFormatException("A checkpoint's origin is printable ASCII without spaces.");
        }

        if (!IsDecimal(lines[1]) || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new FeedFormatException($"A checkpoint's tree size is a decimal number without leading zeros, got '{JsonMembers.Printable(lines[1])}'.");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            throw new FeedFormatException("A checkpoint's root hash is standard base64.");
        }

        if (root.Length != MerkleTree.HashLength || Convert.ToBase64String(root) != lines[2])
        {
            throw new FeedFormatException("A checkpoint's root hash is the standard, padded base64 of 32 bytes.");
        }

        const string timePrefix = "time ";
        if (!lines[3].StartsWith(timePrefix, StringComparison.Ordinal) || !IsDecimal(lines[3][timePrefix.Length..])
            || !long.TryParse(lines[3][timePrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new FeedFormatException("A checkpoint's fourth line is 'time <Unix seconds>'.");
        }

        return new LogCheckpoint(origin, size, root, DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    private static bool IsDecimal(string text) =>
        text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit) && (text == "0" || text[0] != '0');
}

/// <summary>A checkpoint whose signature verified (<see cref="Checkpoint"/> set), or why not (<see cref="Failure"/>).</summary>
public sealed record CheckpointVerification(LogCheckpoint? Checkpoint, string? Kid, string? Failure)
{
    public bool IsValid => Checkpoint is not null;

    public static CheckpointVerification Refused(string why) => new(null, null, why);
}
