using System.Security.Cryptography;
using System.Text;
using Ledger.Crypto;
using Ledger.Notary.Features.SignatureLog;
using Ledger.Verification;

namespace Ledger.Notary.Tests.SignatureLog;

/// <summary>
/// Offline receipt verification (Ledger.Verification) over a log built here: a tree of real entries and
/// checkpoints signed with a checkpoint key, so every refusal can be produced on purpose.
/// </summary>
public sealed class ReceiptVerifierTests : IDisposable
{
    private const string Origin = "ledger/signature-log";
    private readonly Ed25519SigningKey _checkpointKey = Ed25519SigningKey.Generate();
    private readonly Ed25519SigningKey _licenseKey = Ed25519SigningKey.Generate();
    private readonly SignatureTree _tree = new();
    private readonly List<SignatureLogEntry> _entries = [];
    private readonly List<string> _tokens = [];
    private readonly JsonWebKeySet _jwks;

    public ReceiptVerifierTests()
    {
        _jwks = new JsonWebKeySet([
            _checkpointKey.ToJwk("cp-1", includePrivate: false).With(purpose: "checkpoint"),
            _licenseKey.ToJwk("lic-1", includePrivate: false).With(purpose: "license"),
        ]);
        Grow(10);
    }

    [Fact]
    public void a_receipt_and_its_checkpoint_prove_the_signature_was_logged()
    {
        var verdict = ReceiptVerifier.Verify(_tokens[3], Receipt(3, 10), _jwks, Origin);

        Assert.True(verdict.IsValid, verdict.Detail);
        Assert.Equal(10, verdict.Latest!.Size);
    }

    [Fact]
    public void no_receipt_is_refused_only_when_receipts_are_required()
    {
        Assert.Equal(VerificationStatus.ReceiptMissing, ReceiptVerifier.Verify(_tokens[0], null, _jwks, Origin, new ReceiptOptions(RequireReceipt: true)).Status);
        Assert.True(ReceiptVerifier.Verify(_tokens[0], null, _jwks, Origin).IsValid);
    }

    [Fact]
    public void a_receipt_of_another_signature_is_not_in_log()
    {
        Assert.Equal(VerificationStatus.NotInLog, ReceiptVerifier.Verify(_tokens[4], Receipt(3, 10), _jwks, Origin).Status);
    }

    [Fact]
    public void an_altered_proof_or_entry_is_not_in_log()
    {
        var receipt = Receipt(3, 10);
        var tampered = receipt with { Inclusion = [.. receipt.Inclusion.Select((h, i) => i == 0 ? SHA256.HashData(h) : h)] };
        var moved = receipt with { Entry = receipt.Entry with { Client = "mallory" } };

        Assert.Equal(VerificationStatus.NotInLog, ReceiptVerifier.Verify(_tokens[3], tampered, _jwks, Origin).Status);
        Assert.Equal(VerificationStatus.NotInLog, ReceiptVerifier.Verify(_tokens[3], moved, _jwks, Origin).Status);
    }

    [Fact]
    public void a_checkpoint_signed_by_an_unknown_key_is_not_trusted()
    {
        using var stranger = Ed25519SigningKey.Generate();
        var receipt = Receipt(3, 10) with { Checkpoint = Checkpoint(10, stranger) };

        Assert.Equal(VerificationStatus.NotInLog, ReceiptVerifier.Verify(_tokens[3], receipt, _jwks, Origin).Status);
    }

    [Fact]
    public void a_newer_checkpoint_with_its_consistency_proof_is_accepted_and_becomes_the_latest()
    {
        var receipt = Receipt(3, 10);
        Grow(7);

        var verdict = ReceiptVerifier.Verify(_tokens[3], receipt, _jwks, Origin, new ReceiptOptions(
            GivenCheckpoint: Checkpoint(17), ConsistencyProofs: [new ConsistencyProof(10, 17, _tree.ConsistencyProof(10, 17))]));

        Assert.True(verdict.IsValid, verdict.Detail);
        Assert.Equal(17, verdict.Latest!.Size);
    }

    [Fact]
    public void a_checkpoint_smaller_than_the_stored_one_is_inconsistent()
    {
        var receipt = Receipt(3, 10);
        Grow(5);
        var stored = LogCheckpoint.Verify(Checkpoint(15), _jwks, Origin).Checkpoint!;

        var verdict = ReceiptVerifier.Verify(_tokens[3], receipt, _jwks, Origin, new ReceiptOptions(
            GivenCheckpoint: Checkpoint(12), Stored: stored,
            ConsistencyProofs: [new ConsistencyProof(10, 15, _tree.ConsistencyProof(10, 15)), new ConsistencyProof(10, 12, _tree.ConsistencyProof(10, 12))]));

        Assert.Equal(VerificationStatus.CheckpointInconsistent, verdict.Status);
        Assert.Contains("smaller than the stored", verdict.Detail);
        Assert.Equal(15, verdict.Latest!.Size);
    }

    [Fact]
    public void a_forked_log_is_inconsistent()
    {
        var receipt = Receipt(3, 10);
        // Another history of 12 entries that shares the first 10 only in the proof it claims.
        var fork = new SignatureTree();
        fork.Append(_entries.Take(10).Select(e => e.LeafHash()));
        fork.Append([MerkleTree.LeafHash("forged"u8), MerkleTree.LeafHash("forged too"u8)]);
        var forkedNote = Note(new LogCheckpoint(Origin, 12, fork.Root(12), DateTimeOffset.UtcNow), _checkpointKey);
        Grow(2);

        var verdict = ReceiptVerifier.Verify(_tokens[3], receipt, _jwks, Origin, new ReceiptOptions(
            GivenCheckpoint: forkedNote, ConsistencyProofs: [new ConsistencyProof(10, 12, _tree.ConsistencyProof(10, 12))]));
        var forkAtTen = new SignatureTree();
        forkAtTen.Append(_entries.Take(9).Select(e => e.LeafHash()));
        forkAtTen.Append([MerkleTree.LeafHash("forged"u8)]);
        var sameSize = ReceiptVerifier.Verify(_tokens[3], receipt, _jwks, Origin, new ReceiptOptions(
            Stored: new LogCheckpoint(Origin, 10, forkAtTen.Root(10), DateTimeOffset.UtcNow)));

        Assert.Equal(VerificationStatus.CheckpointInconsistent, verdict.Status);
        Assert.Equal(VerificationStatus.CheckpointInconsistent, sameSize.Status);
        Assert.Contains("forked", sameSize.Detail);
    }

    [Fact]
    public void checkpoints_of_different_sizes_without_a_consistency_proof_are_not_accepted()
    {
        var receipt = Receipt(3, 10);
        Grow(1);

        var verdict = ReceiptVerifier.Verify(_tokens[3], receipt, _jwks, Origin, new ReceiptOptions(GivenCheckpoint: Checkpoint(11)));

        Assert.Equal(VerificationStatus.CheckpointInconsistent, verdict.Status);
        Assert.Contains("consistency proof from 10 to 11", verdict.Detail);
    }

    [Fact]
    public void receipts_round_trip_through_json_and_refuse_unknown_members()
    {
        var receipt = Receipt(3, 10);
        var parsed = SignatureReceipt.Parse(receipt.ToJson());
        var extra = Encoding.UTF8.GetString(receipt.ToJson()).Replace("\"tree_size\"", "\"extra\":1,\"tree_size\"", StringComparison.Ordinal);

        Assert.True(ReceiptVerifier.Verify(_tokens[3], parsed, _jwks, Origin).IsValid);
        Assert.Throws<FeedFormatException>(() => SignatureReceipt.Parse(extra));
    }

    [Fact]
    public void a_checkpoint_note_follows_the_signed_note_format_byte_for_byte()
    {
        var note = Checkpoint(10);
        var lines = note.Split('\n');

        Assert.Equal(Origin, lines[0]);
        Assert.Equal("10", lines[1]);
        Assert.Equal(Convert.ToBase64String(_tree.Root(10)), lines[2]);
        Assert.StartsWith("time ", lines[3], StringComparison.Ordinal);
        Assert.Equal("", lines[4]);
        Assert.StartsWith($"\u2014 {Origin} ", lines[5], StringComparison.Ordinal);
        var blob = Convert.FromBase64String(lines[5].Split(' ')[2]);
        var keyHash = SHA256.HashData([.. Encoding.UTF8.GetBytes(Origin), 0x0A, 0x01, .. _checkpointKey.PublicKey])[..4];
        Assert.Equal(keyHash, blob[..4]);
        Assert.True(Ed25519Signature.Verify(_checkpointKey.PublicKey, Encoding.UTF8.GetBytes(string.Join('\n', lines[..4]) + "\n"), blob.AsSpan(4)));
    }

    [Fact]
    public void malformed_checkpoint_notes_are_refused_without_throwing()
    {
        var good = Checkpoint(10);
        var lines = good.Split('\n');
        string[] malformed =
        [
            "",
            good.Replace("\n\n", "\n", StringComparison.Ordinal),
            good.TrimEnd('\n'),
            good.Replace($"\n10\n", "\n010\n", StringComparison.Ordinal),
            good.Replace($"\n10\n", "\n-10\n", StringComparison.Ordinal),
            good.Replace(lines[2], lines[2].TrimEnd('='), StringComparison.Ordinal),
            good.Replace(lines[2], Convert.ToBase64String(new byte[31]), StringComparison.Ordinal),
            good.Replace(lines[3], "time soon", StringComparison.Ordinal),
            good.Replace(lines[3], lines[3] + "\nextra line", StringComparison.Ordinal),
            good.Replace("\u2014 ", "- ", StringComparison.Ordinal),
            good.Replace(lines[5], lines[5][..^8], StringComparison.Ordinal),
            good.Replace(Origin, "other/log", StringComparison.Ordinal),
            good.Replace(lines[1], "99999999999999999999", StringComparison.Ordinal),
            good + new string('x', LogCheckpoint.MaxNoteBytes),
        ];

        foreach (var note in malformed)
        {
            var verification = LogCheckpoint.Verify(note, _jwks, Origin);
            Assert.False(verification.IsValid, note);
            Assert.False(string.IsNullOrEmpty(verification.Failure));
        }

        Assert.True(LogCheckpoint.Verify(good, _jwks, Origin).IsValid);
    }

    public void Dispose()
    {
        _checkpointKey.Dispose();
        _licenseKey.Dispose();
    }

    private void Grow(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var token = Jws.Sign(Encoding.UTF8.GetBytes($"{{\"n\":{_entries.Count}}}"), _licenseKey, "lic-1", "license+jwt");
            var input = SHA256.HashData(Encoding.ASCII.GetBytes(token[..token.LastIndexOf('.')]));
            var entry = new SignatureLogEntry(_entries.Count, DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000 + _entries.Count), "lic-1", "license", "issuance", UuidV7.NewId().ToString(), input);
            _entries.Add(entry);
            _tokens.Add(token);
            _tree.Append([entry.LeafHash()]);
        }
    }

    private SignatureReceipt Receipt(int index, long size) => new(_entries[index], size, _tree.InclusionProof(index, size), Checkpoint(size));

    private string Checkpoint(long size, Ed25519SigningKey? key = null) =>
        Note(new LogCheckpoint(Origin, size, _tree.Root(size), DateTimeOffset.FromUnixTimeSeconds(1_764_000_000 + size)), key ?? _checkpointKey);

    private static string Note(LogCheckpoint checkpoint, Ed25519SigningKey key) =>
        checkpoint.ToNote(key.PublicKey, key.Sign(Encoding.UTF8.GetBytes(checkpoint.Body())));
}
