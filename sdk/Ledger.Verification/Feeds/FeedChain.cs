using System.Security.Cryptography;
using System.Text;
using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>
/// The revocation hash chain of docs/FEEDS.md: chain(0) = SHA-256("ledger-revocation-feed-v1\n" + iss),
/// chain(v) = SHA-256(chain(prev) || UTF-8("&lt;v&gt;\n&lt;id&gt;\n&lt;at&gt;\n&lt;reason&gt;\n")) with v in
/// decimal, id in lowercase 8-4-4-4-12 form and at in whole Unix seconds. A revision floor (kind
/// <c>superseded</c>) hashes its <c>rev</c> too, as a fifth line: "&lt;v&gt;\n&lt;id&gt;\n&lt;at&gt;\nsuperseded\n&lt;rev&gt;\n".
/// </summary>
public static class FeedChain
{
    public const int HashLength = 32;

    private const string GenesisPrefix = "ledger-revocation-feed-v1\n";

    public static byte[] Genesis(string issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return SHA256.HashData(Encoding.UTF8.GetBytes(GenesisPrefix + issuer));
    }

    public static byte[] Extend(ReadOnlySpan<byte> previous, RevocationEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (previous.Length != HashLength)
        {
            throw new ArgumentException($"A chain hash is {HashLength} bytes, not {previous.Length}.", nameof(previous));
        }

        var line = $"{entry.Version}\n{entry.Id:D}\n{entry.RevokedAt.ToUnixTimeSeconds()}\n{entry.Reason}\n";
        if (entry.Kind == RevocationEntry.Superseded)
        {
            line += $"{entry.Revision ?? throw new ArgumentException("A revision floor carries its rev.", nameof(entry))}\n";
        }

        var text = Encoding.UTF8.GetBytes(line);
        var input = new byte[HashLength + text.Length];
        previous.CopyTo(input);
        text.CopyTo(input, HashLength);
        return SHA256.HashData(input);
    }

    /// <summary>Folds <paramref name="entries"/> in order onto <paramref name="start"/>.</summary>
    public static byte[] Fold(ReadOnlySpan<byte> start, IEnumerable<RevocationEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var chain = start.ToArray();
        foreach (var entry in entries)
        {
            chain = Extend(chain, entry);
        }

        return chain;
    }

    /// <summary>Base64url without padding, as chain values appear in JSON.</summary>
    public static string Encode(byte[] chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        return Base64Url.Encode(chain);
    }
}
