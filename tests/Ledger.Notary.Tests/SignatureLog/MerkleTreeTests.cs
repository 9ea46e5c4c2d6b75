using System.Security.Cryptography;
using Ledger.Notary.Features.SignatureLog;
using Ledger.Verification;

namespace Ledger.Notary.Tests.SignatureLog;

/// <summary>
/// RFC 9162 hashing and proofs: Notary's tree (generation) and Ledger.Verification (checking) against the
/// published Certificate Transparency test vectors, and against an independent implementation over
/// random trees, every leaf and every pair of sizes.
/// </summary>
public sealed class MerkleTreeTests
{
    // The RFC 6962 test corpus of the CT reference implementation (testonly/constants.go).
    private static readonly byte[][] CtLeaves =
        new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }.Select(Convert.FromHexString).ToArray();

    private static readonly string[] CtRoots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void roots_match_the_certificate_transparency_vectors_for_every_size()
    {
        var tree = new SignatureTree();
        Assert.Equal(CtRoots[0], Convert.ToHexStringLower(tree.Root(0)));
        for (var size = 1; size <= CtLeaves.Length; size++)
        {
            tree.Append([MerkleTree.LeafHash(CtLeaves[size - 1])]);
            Assert.Equal(CtRoots[size], Convert.ToHexStringLower(tree.Root(size)));
        }
    }

    [Theory]
    [InlineData(0, 8, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(5, 8, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    public void inclusion_proofs_match_the_certificate_transparency_vectors(int index, int size, string expected)
    {
        var tree = Tree(CtLeaves);
        var proof = tree.InclusionProof(index, size);

        Assert.Equal(expected.Split(','), proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleTree.VerifyInclusion(index, size, MerkleTree.LeafHash(CtLeaves[index]), proof, Convert.FromHexString(CtRoots[size])));
    }

    [Theory]
    [InlineData(1, 8, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(6, 8, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(2, 5, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]
    public void consistency_proofs_match_the_certificate_transparency_vectors(int from, int to, string expected)
    {
        var tree = Tree(CtLeaves);
        var proof = tree.ConsistencyProof(from, to);

        Assert.Equal(expected.Split(','), proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleTree.VerifyConsistency(from, to, Convert.FromHexString(CtRoots[from]), Convert.FromHexString(CtRoots[to]), proof));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void every_inclusion_proof_of_random_trees_matches_the_reference_and_verifies(int seed)
    {
        var random = new Random(seed);
        var leaves = RandomLeaves(random, 70);
        var tree = Tree(leaves);
        for (var size = 1; size <= leaves.Count; size++)
        {
            var prefix = leaves.Take(size).ToList();
            var root = ReferenceMerkleTree.Mth(prefix);
            Assert.Equal(root, tree.Root(size));
            for (var index = 0; index < size; index++)
            {
                var proof = tree.InclusionProof(index, size);
                var leafHash = MerkleTree.LeafHash(leaves[index]);

                Assert.Equal(ReferenceMerkleTree.Path(index, prefix), proof);
                Assert.True(MerkleTree.VerifyInclusion(index, size, leafHash, proof, root));
                // Any other leaf, index or root fails.
                Assert.False(MerkleTree.VerifyInclusion(index, size, MerkleTree.LeafHash([.. leaves[index], 1]), proof, root));
                if (size > 1)
                {
                    Assert.False(MerkleTree.VerifyInclusion((index + 1) % size, size, leafHash, proof, root));
                }

                if (size < leaves.Count)
                {
                    Assert.False(MerkleTree.VerifyInclusion(index, size, leafHash, proof, tree.Root(size + 1)));
                }

                if (proof.Count > 0)
                {
                    Assert.False(MerkleTree.VerifyInclusion(index, size, leafHash, [.. proof.Take(proof.Count - 1)], root));
                    var tampered = proof.Select(p => p.ToArray()).ToList();
                    tampered[random.Next(tampered.Count)][random.Next(32)] ^= 0x01;
                    Assert.False(MerkleTree.VerifyInclusion(index, size, leafHash, tampered, root));
                }
            }
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void every_consistency_proof_between_two_sizes_matches_the_reference_and_verifies(int seed)
    {
        var random = new Random(seed);
        var leaves = RandomLeaves(random, 50);
        var tree = Tree(leaves);
        var roots = Enumerable.Range(0, leaves.Count + 1).Select(n => ReferenceMerkleTree.Mth(leaves.Take(n).ToList())).ToArray();
        for (var to = 1; to <= leaves.Count; to++)
        {
            for (var from = 1; from <= to; from++)
            {
                var proof = tree.ConsistencyProof(from, to);

                Assert.Equal(from == to ? [] : ReferenceMerkleTree.Proof(from, leaves.Take(to).ToList()), proof);
                Assert.True(MerkleTree.VerifyConsistency(from, to, roots[from], roots[to], proof));
                if (from < to)
                {
                    // A rewritten history: another old root, or another new root, fails.
                    Assert.False(MerkleTree.VerifyConsistency(from, to, SHA256.HashData(roots[from]), roots[to], proof));
                    Assert.False(MerkleTree.VerifyConsistency(from, to, roots[from], SHA256.HashData(roots[to]), proof));
                    var tampered = proof.Select(p => p.ToArray()).ToList();
                    tampered[random.Next(tampered.Count)][random.Next(32)] ^= 0x80;
                    Assert.False(MerkleTree.VerifyConsistency(from, to, roots[from], roots[to], tampered));
                }
            }
        }
    }

    [Fact]
    public void equal_sizes_need_equal_roots_and_an_empty_proof()
    {
        var tree = Tree(CtLeaves);
        var root = tree.Root(5);

        Assert.True(MerkleTree.VerifyConsistency(5, 5, root, root, []));
        Assert.False(MerkleTree.VerifyConsistency(5, 5, root, tree.Root(6), []));
        Assert.False(MerkleTree.VerifyConsistency(6, 5, tree.Root(6), root, []));
        Assert.False(MerkleTree.VerifyInclusion(8, 8, MerkleTree.LeafHash(CtLeaves[0]), tree.InclusionProof(0, 8), tree.Root(8)));
    }

    private static SignatureTree Tree(IEnumerable<byte[]> leaves)
    {
        var tree = new SignatureTree();
        tree.Append(leaves.Select(l => MerkleTree.LeafHash(l)));
        return tree;
    }

    private static List<byte[]> RandomLeaves(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            var leaf = new byte[random.Next(0, 40)];
            random.NextBytes(leaf);
            return leaf;
        }).ToList();
}
