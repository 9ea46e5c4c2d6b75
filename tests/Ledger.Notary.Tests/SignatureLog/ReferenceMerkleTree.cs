using System.Security.Cryptography;

namespace Ledger.Notary.Tests.SignatureLog;

/// <summary>
/// An independent, deliberately naive RFC 9162 implementation written from the RFC's definitions
/// (§2.1.1 MTH, §2.1.3.1 PATH, §2.1.4.1 PROOF/SUBPROOF) over plain lists, to check Notary's tree against.
/// </summary>
internal static class ReferenceMerkleTree
{
    public static byte[] Mth(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 0)
        {
            return SHA256.HashData([]);
        }

        if (leaves.Count == 1)
        {
            return SHA256.HashData([0x00, .. leaves[0]]);
        }

        var k = K(leaves.Count);
        return SHA256.HashData([0x01, .. Mth(leaves.Take(k).ToList()), .. Mth(leaves.Skip(k).ToList())]);
    }

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 1)
        {
            return [];
        }

        var k = K(leaves.Count);
        return m < k
            ? [.. Path(m, leaves.Take(k).ToList()), Mth(leaves.Skip(k).ToList())]
            : [.. Path(m - k, leaves.Skip(k).ToList()), Mth(leaves.Take(k).ToList())];
    }

    public static List<byte[]> Proof(int m, IReadOnlyList<byte[]> leaves) => SubProof(m, leaves, true);

    private static List<byte[]> SubProof(int m, IReadOnlyList<byte[]> leaves, bool b)
    {
        var n = leaves.Count;
        if (m == n)
        {
            return b ? [] : [Mth(leaves)];
        }

        var k = K(n);
        return m <= k
            ? [.. SubProof(m, leaves.Take(k).ToList(), b), Mth(leaves.Skip(k).ToList())]
            : [.. SubProof(m - k, leaves.Skip(k).ToList(), false), Mth(leaves.Take(k).ToList())];
    }

    // The largest power of two smaller than n.
    private static int K(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }
}
