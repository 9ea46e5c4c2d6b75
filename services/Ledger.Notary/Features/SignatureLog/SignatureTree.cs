using Ledger.Verification;

namespace Ledger.Notary.Features.SignatureLog;

/// <summary>
/// The signature log's Merkle tree (RFC 9162 §2.1) in this replica's memory, caught up from the database
/// on demand. It keeps the hash of every complete, aligned subtree (level h holds the subtrees of 2^h
/// leaves), so the root of any size and any inclusion or consistency proof costs O(log² n) hashes, not
/// O(n). Memory: about two hashes per leaf.
/// </summary>
public sealed class SignatureTree
{
    private readonly List<List<byte[]>> _levels = [[]];
    private readonly Lock _lock = new();

    public long Size
    {
        get
        {
            lock (_lock)
            {
                return _levels[0].Count;
            }
        }
    }

    /// <summary>Appends leaf hashes in index order (the leaf at index <see cref="Size"/> first).</summary>
    public void Append(IEnumerable<byte[]> leafHashes)
    {
        lock (_lock)
        {
            foreach (var leaf in leafHashes)
            {
                _levels[0].Add(leaf);
                var level = 0;
                // A complete pair at this level makes a complete subtree one level up.
                while (_levels[level].Count % 2 == 0)
                {
                    var nodes = _levels[level];
                    if (_levels.Count == level + 1)
                    {
                        _levels.Add([]);
                    }

                    _levels[level + 1].Add(MerkleTree.NodeHash(nodes[^2], nodes[^1]));
                    level++;
                }
            }
        }
    }

    /// <summary>MTH(D[0:size]).</summary>
    public byte[] Root(long size)
    {
        lock (_lock)
        {
            RequireSize(size);
            return size == 0 ? MerkleTree.EmptyRoot : Hash(0, size);
        }
    }

    /// <summary>RFC 9162 §2.1.3.1 PATH(index, D[0:size]).</summary>
    public IReadOnlyList<byte[]> InclusionProof(long index, long size)
    {
        lock (_lock)
        {
            RequireSize(size);
            if (index < 0 || index >= size)
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of {size} entries.");
            }

            var proof = new List<byte[]>();
            Path(index, 0, size, proof);
            return proof;
        }
    }

    /// <summary>RFC 9162 §2.1.4.1 PROOF(from, D[0:to]); empty when the sizes are equal or the first tree is empty.</summary>
    public IReadOnlyList<byte[]> ConsistencyProof(long from, long to)
    {
        lock (_lock)
        {
            RequireSize(to);
            if (from < 0 || from > to)
            {
                throw new ArgumentOutOfRangeException(nameof(from), $"A consistency proof goes from a smaller tree to a larger one, not from {from} to {to}.");
            }

            var proof = new List<byte[]>();
            if (from > 0 && from < to)
            {
                SubProof(from, 0, to, true, proof);
            }

            return proof;
        }
    }

    // PATH(m, D[start:end]) with m relative to start; the proof lists the deepest sibling first.
    private void Path(long m, long start, long end, List<byte[]> proof)
    {
        var n = end - start;
        if (n == 1)
        {
            return;
        }

        var k = LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            Path(m, start, start + k, proof);
            proof.Add(Hash(start + k, end));
        }
        else
        {
            Path(m - k, start + k, end, proof);
            proof.Add(Hash(start, start + k));
        }
    }

    private void SubProof(long m, long start, long end, bool complete, List<byte[]> proof)
    {
        var n = end - start;
        if (m == n)
        {
            if (!complete)
            {
                proof.Add(Hash(start, end));
            }

            return;
        }

        var k = LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, complete, proof);
            proof.Add(Hash(start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, false, proof);
            proof.Add(Hash(start, start + k));
        }
    }

    // MTH(D[start:end]) for end > start. Ranges met in the RFC's recursion start at a multiple of the
    // largest power of two below their length, so complete aligned subtrees come from the levels.
    private byte[] Hash(long start, long end)
    {
        var n = end - start;
        if ((n & (n - 1)) == 0 && start % n == 0)
        {
            var level = System.Numerics.BitOperations.Log2((ulong)n);
            return _levels[level][(int)(start >> level)];
        }

        var k = LargestPowerOfTwoBelow(n);
        return MerkleTree.NodeHash(Hash(start, start + k), Hash(start + k, end));
    }

    private static long LargestPowerOfTwoBelow(long n) => 1L << System.Numerics.BitOperations.Log2((ulong)(n - 1));

    private void RequireSize(long size)
    {
        if (size < 0 || size > _levels[0].Count)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"The log has {_levels[0].Count} entries; there is no tree of {size}.");
        }
    }
}
