using System.Security.Cryptography;
using Ledger.Benchmarks.Harness;
using Ledger.Benchmarks.Results;
using Ledger.Notary.Features.SignatureLog;
using Ledger.Verification;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// Offline verification of signature log inclusion proofs (receipts, issue 15) on one thread, in a tree of
/// 1,048,573 entries, against the limit: bare SHA-256 of exactly the bytes a verifier must hash (the leaf
/// and one node per proof hash). Target: ratio >= 0.7.
/// </summary>
public sealed class InclusionProofScenario : IScenario
{
    private const int TreeSize = (1 << 20) - 3;
    private const int Proofs = 20_000;
    private const int Slices = 10;
    private const int SliceSize = Proofs / Slices;
    private const int Warmups = Slices;
    private const int Rounds = 7 * Slices;
    private const double TargetRatio = 0.7;

    public string Name => "inclusion-proof";

    public string Description =>
        $"{Proofs:N0} RFC 9162 inclusion proofs verified offline on one thread in a log of {TreeSize:N0} entries, beside bare SHA-256 of the same leaf and node inputs";

    public ScenarioReport Run(ScenarioLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        log.Step($"building a signature log tree of {TreeSize:N0} entries");
        var random = new Random(15);
        var tree = new SignatureTree();
        var leaves = new byte[Proofs][];
        var indexes = new long[Proofs];
        for (var i = 0; i < Proofs; i++)
        {
            indexes[i] = random.NextInt64(TreeSize);
        }

        var wanted = indexes.Select((index, i) => (index, i)).ToLookup(p => p.index, p => p.i);
        const int batch = 65_536;
        for (long start = 0; start < TreeSize; start += batch)
        {
            var hashes = new List<byte[]>(batch);
            for (var index = start; index < Math.Min(TreeSize, start + batch); index++)
            {
                var entry = new SignatureLogEntry(index, DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000 + index), "0193a9a4-6f1e-7c3a-9d7e-4b1f0c2a8e11",
                    "license", "issuance", $"0193a9b0-0000-7000-8000-{index:D12}", SHA256.HashData(BitConverter.GetBytes(index)));
                var leaf = entry.ToLeaf();
                foreach (var i in wanted[index])
                {
                    leaves[i] = leaf;
                }

                hashes.Add(MerkleTree.LeafHash(leaf));
            }

            tree.Append(hashes);
        }

        var root = tree.Root(TreeSize);
        var proofs = indexes.Select(index => tree.InclusionProof(index, TreeSize)).ToArray();

        log.Step("checking every proof before timing anything");
        for (var i = 0; i < Proofs; i++)
        {
            if (!MerkleTree.VerifyInclusion(indexes[i], TreeSize, MerkleTree.LeafHash(leaves[i]), proofs[i], root))
            {
                throw new BenchmarkInvalidException($"The inclusion proof of entry {indexes[i]} did not verify.");
            }
        }

        // The limit hashes what verification must hash: 0x00 || leaf, then 0x01 || 64 bytes per proof element.
        var leafInputs = leaves.Select(l => (byte[])[0x00, .. l]).ToArray();
        var nodeInput = new byte[65];
        random.NextBytes(nodeInput);
        nodeInput[0] = 0x01;

        log.Step($"measuring: {Rounds} interleaved rounds of {SliceSize:N0} proofs, receipt verification and bare SHA-256");
        var sink = 0;
        var samples = Sampler.Interleaved(
            Warmups,
            Rounds,
            round =>
            {
                for (var i = round % Slices * SliceSize; i < (round % Slices * SliceSize) + SliceSize; i++)
                {
                    sink += MerkleTree.VerifyInclusion(indexes[i], TreeSize, MerkleTree.LeafHash(leaves[i]), proofs[i], root) ? 1 : 0;
                }
            },
            round =>
            {
                Span<byte> hash = stackalloc byte[32];
                for (var i = round % Slices * SliceSize; i < (round % Slices * SliceSize) + SliceSize; i++)
                {
                    SHA256.HashData(leafInputs[i], hash);
                    for (var p = 0; p < proofs[i].Count; p++)
                    {
                        SHA256.HashData(nodeInput, hash);
                    }

                    sink += hash[0];
                }
            });
        GC.KeepAlive(sink);

        var (verify, bare) = (samples[0], samples[1]);
        var ratio = Samples.PairedRatio(bare, verify);
        var averageProof = proofs.Average(p => p.Count);
        var figures = new List<Figure>
        {
            new("inclusion_proofs_per_second", "MerkleTree.VerifyInclusion (leaf hash included)", verify.Rate(SliceSize), "proofs/s", verify.Spread(SliceSize)),
            new("bare_sha256_proofs_per_second", "bare SHA-256 of the same inputs (limit)", bare.Rate(SliceSize), "proofs/s", bare.Spread(SliceSize)),
            new("ratio", "ratio verification / bare SHA-256", ratio, "ratio", "median over rounds of bare time / verification time on the same slice, run back to back"),
            new("hashes_per_proof", "SHA-256 computations per proof", averageProof + 1, "hashes", "the leaf and one per proof element"),
            new("microseconds_per_proof", "verification time per proof", verify.NanosecondsEach(SliceSize) / 1000, "µs"),
        };

        var targets = new List<Target>
        {
            Target.AtLeast("ratio", $"verification / bare SHA-256 >= {TargetRatio}", ratio, TargetRatio,
                "verification allocates one 32-byte array per hash and checks lengths and bounds; the hashing itself is the same .NET SHA-256"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["tree_size"] = TreeSize,
            ["proofs"] = Proofs,
            ["threads"] = 1,
            ["warmup_rounds"] = Warmups,
            ["measured_rounds"] = Rounds,
            ["proofs_per_round"] = SliceSize,
            ["average_proof_hashes"] = averageProof,
        };

        return new ScenarioReport(Name, Description, parameters, figures, targets,
        [
            "Entries are random leaves of a tree just under 2^20 (so proofs have 20 hashes, mixing complete and incomplete subtrees); the indexes are uniform.",
            "The checkpoint's Ed25519 signature is verified once per checkpoint, not per receipt, so it is not part of this figure (see the verify scenario for Ed25519 rates).",
        ]);
    }
}
