using System.Security.Cryptography;

namespace Ledger.Verification;

/// <summary>
/// RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing and proof verification, §2.1:
/// leaf hash <c>SHA-256(0x00 || leaf)</c>, node hash <c>SHA-256(0x01 || left || right)</c>, the empty
/// tree's root <c>SHA-256("")</c>. Pure functions over bytes; proofs are lists of 32-byte hashes.
/// </summary>
public static class MerkleTree
{
    public const int HashLength = 32;

    /// <summary>At most 64 hashes: enough for any tree of up to 2^63 leaves (an inclusion and a consistency proof each need at most ~log2(n)+1).</summary>
    public const int MaxProofLength = 64;

    public static byte[] EmptyRoot { get; } = SHA256.HashData([]);

    public static byte[] LeafHash(ReadOnlySpan<byte> leaf)
    {
        var buffer = new byte[leaf.Length + 1];
        leaf.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashLength)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashLength)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>RFC 9162 §2.1.3.2: does <paramref name="proof"/> show the leaf at <paramref name="index"/> in the tree of <paramref name="size"/> leaves with <paramref name="root"/>?</summary>
    public static bool VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size || leafHash.Length != HashLength || root.Length != HashLength || proof.Count > MaxProofLength)
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (p.Length != HashLength || sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHash(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>
    /// RFC 9162 §2.1.4.2: is the tree of <paramref name="size2"/> leaves (<paramref name="root2"/>) an
    /// append-only extension of the tree of <paramref name="size1"/> leaves (<paramref name="root1"/>)?
    /// Equal sizes need an empty proof and equal roots; an empty first tree is a prefix of every tree.
    /// </summary>
    public static bool VerifyConsistency(long size1, long size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, IReadOnlyList<byte[]> proof)
    {
        if (size1 < 0 || size2 < size1 || root1.Length != HashLength || root2.Length != HashLength || proof.Count > MaxProofLength)
        {
            return false;
        }

        if (size1 == size2)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(root1, root2);
        }

        if (size1 == 0)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(root1, EmptyRoot);
        }

        if (proof.Count == 0 || proof.Any(p => p.Length != HashLength))
        {
            return false;
        }

        var path = new List<byte[]>(proof.Count + 1);
        if ((size1 & (size1 - 1)) == 0)
        {
            path.Add(root1.ToArray());
        }

        path.AddRange(proof);
        var fn = size1 - 1;
        var sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(fr, root1) && CryptographicOperations.FixedTimeEquals(sr, root2);
    }
}
