using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>A consistency proof between two tree sizes, as Notary serves it.</summary>
public sealed record ConsistencyProof(long From, long To, IReadOnlyList<byte[]> Hashes);

/// <summary>
/// What a receipt check needs besides the receipt: whether receipts are required (the hardened profile),
/// a checkpoint the verifier was given (for example fetched from Notary just now), the checkpoint it
/// accepted last time (its stored state), and the consistency proofs between the sizes involved.
/// </summary>
public sealed record ReceiptOptions(
    bool RequireReceipt = false,
    string? GivenCheckpoint = null,
    LogCheckpoint? Stored = null,
    IReadOnlyList<ConsistencyProof>? ConsistencyProofs = null);

/// <summary>The outcome of a receipt check; <see cref="Latest"/> is the largest checkpoint verified, to store for next time.</summary>
public sealed record ReceiptVerdict(VerificationStatus Status, string Detail, LogCheckpoint? Latest)
{
    public bool IsValid => Status == VerificationStatus.Valid;
}

/// <summary>
/// Offline proof that Notary's signature log recorded a signature: the receipt's entry is that of the
/// signed document, its inclusion proof leads to its checkpoint's root, that checkpoint is signed by a
/// trusted <c>checkpoint</c> key, and every checkpoint involved (the receipt's, the given one, the stored
/// one) is one append-only history. Fails closed: <see cref="VerificationStatus.ReceiptMissing"/>,
/// <see cref="VerificationStatus.NotInLog"/>, <see cref="VerificationStatus.CheckpointInconsistent"/>.
/// </summary>
public static class ReceiptVerifier
{
    public static ReceiptVerdict Verify(string compactJws, SignatureReceipt? receipt, JsonWebKeySet trusted, string origin, ReceiptOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentNullException.ThrowIfNull(origin);
        options ??= new ReceiptOptions();
        if (receipt is null)
        {
            return options.RequireReceipt
                ? new ReceiptVerdict(VerificationStatus.ReceiptMissing, "No receipt was given, and receipts are required: fetch it with 'ledgerctl license get ID --receipt' (Issuance's GetLicense) and pass it with --receipt.", options.Stored)
                : new ReceiptVerdict(VerificationStatus.Valid, "No receipt given; the signature log was not checked.", options.Stored);
        }

        if (!receipt.Entry.Records(compactJws ?? ""))
        {
            return NotInLog($"The receipt's log entry {receipt.Entry.Index} is of another signature (its signing input hash or kid differ from this document's). Fetch the receipt of this document.", options);
        }

        var receiptCheckpoint = LogCheckpoint.Verify(receipt.Checkpoint, trusted, origin);
        if (!receiptCheckpoint.IsValid)
        {
            return NotInLog($"The receipt's checkpoint does not verify: {receiptCheckpoint.Failure}", options);
        }

        var r = receiptCheckpoint.Checkpoint!;
        if (r.Size != receipt.TreeSize)
        {
            return NotInLog($"The receipt proves inclusion in a tree of {receipt.TreeSize} entries but carries a checkpoint of {r.Size}.", options);
        }

        if (!MerkleTree.VerifyInclusion(receipt.Entry.Index, r.Size, receipt.Entry.LeafHash(), receipt.Inclusion, r.RootHash))
        {
            return NotInLog($"The receipt's inclusion proof does not lead from entry {receipt.Entry.Index} to the root of the checkpoint of size {r.Size}: the log did not record this signature as the receipt claims.", options);
        }

        var proofs = options.ConsistencyProofs ?? [];
        var latest = r;
        if (options.Stored is { } stored)
        {
            if (Inconsistent(stored, r, "the stored checkpoint", "the receipt's checkpoint", proofs) is { } storedFailure)
            {
                return Inconsistency(storedFailure, options);
            }

            latest = Larger(stored, latest);
        }

        if (options.GivenCheckpoint is { } givenNote)
        {
            var given = LogCheckpoint.Verify(givenNote, trusted, origin);
            if (!given.IsValid)
            {
                return Inconsistency($"The given checkpoint does not verify: {given.Failure}", options);
            }

            var t = given.Checkpoint!;
            if (options.Stored is { } before && t.Size < before.Size)
            {
                return Inconsistency($"The given checkpoint's tree ({t.Size} entries) is smaller than the stored one ({before.Size}): a log never shrinks, so this is a rollback or a fork.", options);
            }

            var failure = Inconsistent(r, t, "the receipt's checkpoint", "the given checkpoint", proofs)
                ?? (options.Stored is { } s ? Inconsistent(s, t, "the stored checkpoint", "the given checkpoint", proofs) : null);
            if (failure is not null)
            {
                return Inconsistency(failure, options);
            }

            latest = Larger(latest, t);
        }

        return new ReceiptVerdict(VerificationStatus.Valid, $"Signature log entry {receipt.Entry.Index} (by {receipt.Entry.Client}, {receipt.Entry.Purpose} key {receipt.Entry.Kid}) is in the log of {r.Size} entries signed at {r.Time.Text()}, consistent with every checkpoint given.", latest);
    }

    private static string? Inconsistent(LogCheckpoint a, LogCheckpoint b, string aName, string bName, IReadOnlyList<ConsistencyProof> proofs)
    {
        if (a.Size == b.Size)
        {
            return a.RootHash.AsSpan().SequenceEqual(b.RootHash) ? null : $"{aName} and {bName} both have {a.Size} entries but different roots: the log forked.";
        }

        var (small, large, smallName, largeName) = a.Size < b.Size ? (a, b, aName, bName) : (b, a, bName, aName);
        var proof = proofs.FirstOrDefault(p => p.From == small.Size && p.To == large.Size);
        if (proof is null)
        {
            return $"{smallName} ({small.Size} entries) and {largeName} ({large.Size}) cannot be shown consistent without a consistency proof from {small.Size} to {large.Size} (Notary serves it at /signature-log/proof/consistency?from={small.Size}&to={large.Size}).";
        }

        return MerkleTree.VerifyConsistency(small.Size, large.Size, small.RootHash, large.RootHash, proof.Hashes)
            ? null
            : $"The consistency proof from {small.Size} to {large.Size} entries does not verify: {largeName} does not extend {smallName}, the log was rewritten.";
    }

    private static LogCheckpoint Larger(LogCheckpoint a, LogCheckpoint b) => b.Size > a.Size ? b : a;

    private static ReceiptVerdict NotInLog(string detail, ReceiptOptions options) => new(VerificationStatus.NotInLog, detail, options.Stored);

    private static ReceiptVerdict Inconsistency(string detail, ReceiptOptions options) => new(VerificationStatus.CheckpointInconsistent, detail, options.Stored);
}
