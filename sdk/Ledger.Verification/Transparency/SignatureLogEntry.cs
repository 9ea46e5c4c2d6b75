using System.Security.Cryptography;
using System.Text;

namespace Ledger.Verification;

/// <summary>
/// One signature Notary made, as its signature log records it (docs/TRANSPARENCY.md): when, with which
/// key, for which purpose, for which calling client, over which signing input (its SHA-256), and about
/// what (a license or attestation id, or <c>feed/&lt;ver&gt;</c>, <c>filter/&lt;ver&gt;</c>). The Merkle leaf is
/// <see cref="ToLeaf"/>: seven lines of printable ASCII, each ended by a line feed.
/// </summary>
public sealed record SignatureLogEntry(long Index, DateTimeOffset At, string Kid, string Purpose, string Client, string Subject, byte[] InputSha256)
{
    public const string LeafPrefix = "ledger-signature-v1";

    public const int MaxFieldLength = 128;

    /// <summary>The Merkle leaf (before RFC 9162's 0x00 prefix): prefix, Unix milliseconds, kid, purpose, client, subject, hex SHA-256.</summary>
    public byte[] ToLeaf()
    {
        Check();
        return Encoding.ASCII.GetBytes(
            $"{LeafPrefix}\n{At.ToUnixTimeMilliseconds()}\n{Kid}\n{Purpose}\n{Client}\n{Subject}\n{Convert.ToHexStringLower(InputSha256)}\n");
    }

    public byte[] LeafHash() => MerkleTree.LeafHash(ToLeaf());

    /// <summary>Is this the entry of the compact JWS <paramref name="compact"/> (same signing input, same kid)?</summary>
    public bool Records(string compact)
    {
        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var input = SHA256.HashData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        return CryptographicOperations.FixedTimeEquals(input, InputSha256) && string.Equals(Ledger.Crypto.Jws.PeekKid(compact), Kid, StringComparison.Ordinal);
    }

    /// <summary>The subject of a feed (<c>feed/ver</c>) or filter (<c>filter/ver</c>) signature.</summary>
    public static string FeedSubject(string kind, long version) => $"{kind}/{version}";

    /// <exception cref="FeedFormatException">A field is empty, too long, or not printable ASCII without spaces.</exception>
    public void Check()
    {
        if (Index < 0)
        {
            throw new FeedFormatException($"A signature log entry's index is 0 or more, not {Index}.");
        }

        foreach (var (name, value) in new[] { ("kid", Kid), ("purpose", Purpose), ("client", Client), ("subject", Subject) })
        {
            if (value is not { Length: > 0 and <= MaxFieldLength } || value.Any(c => c is <= ' ' or > '~'))
            {
                throw new FeedFormatException($"A signature log entry's {name} must be 1-{MaxFieldLength} printable ASCII characters without spaces, got '{JsonMembers.Printable(value ?? "")}'.");
            }
        }

        if (InputSha256 is not { Length: 32 })
        {
            throw new FeedFormatException("A signature log entry's input_sha256 is a SHA-256 (32 bytes).");
        }
    }
}
