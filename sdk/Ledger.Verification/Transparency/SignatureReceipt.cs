using System.Text;
using System.Text.Json;

namespace Ledger.Verification;

/// <summary>
/// Proof that Notary's signature log recorded one signature: the log entry, an RFC 9162 inclusion proof
/// and the signed checkpoint it leads to (docs/TRANSPARENCY.md, "Receipts"). JSON:
/// <code>{"index":12,"entry":{"at_ms":..,"kid":"..","purpose":"license","client":"issuance","subject":"..","input_sha256":"<hex>"},
/// "tree_size":40,"inclusion":["<base64>",...],"checkpoint":"<signed note>"}</code>
/// </summary>
public sealed record SignatureReceipt(SignatureLogEntry Entry, long TreeSize, IReadOnlyList<byte[]> Inclusion, string Checkpoint)
{
    public const int MaxBytes = 64 * 1024;

    private const string What = "signature receipt";

    private static readonly string[] Members = ["index", "entry", "tree_size", "inclusion", "checkpoint"];

    private static readonly string[] EntryMembers = ["at_ms", "kid", "purpose", "client", "subject", "input_sha256"];

    public byte[] ToJson()
    {
        Entry.Check();
        return JsonText.Write(json =>
        {
            json.WriteStartObject();
            json.WriteNumber("index", Entry.Index);
            json.WriteStartObject("entry");
            json.WriteNumber("at_ms", Entry.At.ToUnixTimeMilliseconds());
            json.WriteString("kid", Entry.Kid);
            json.WriteString("purpose", Entry.Purpose);
            json.WriteString("client", Entry.Client);
            json.WriteString("subject", Entry.Subject);
            json.WriteString("input_sha256", Convert.ToHexStringLower(Entry.InputSha256));
            json.WriteEndObject();
            json.WriteNumber("tree_size", TreeSize);
            json.WriteStartArray("inclusion");
            foreach (var hash in Inclusion)
            {
                json.WriteStringValue(Convert.ToBase64String(hash));
            }

            json.WriteEndArray();
            json.WriteString("checkpoint", Checkpoint);
            json.WriteEndObject();
        });
    }

    /// <exception cref="FeedFormatException">Not a receipt of docs/TRANSPARENCY.md.</exception>
    public static SignatureReceipt Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            throw new FeedFormatException($"A signature receipt is at most {MaxBytes} bytes.");
        }

        using var document = JsonMembers.Parse(json, What);
        var root = JsonMembers.Of(document.RootElement, What, Members);
        if (!document.RootElement.TryGetProperty("entry", out var entryElement))
        {
            throw new FeedFormatException("A signature receipt has an 'entry'.");
        }

        var entry = JsonMembers.Of(entryElement, What + " entry", EntryMembers);
        var hex = entry.String("input_sha256", 64);
        byte[] input;
        try
        {
            input = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new FeedFormatException("A receipt entry's input_sha256 is 64 lowercase hex digits.");
        }

        if (hex != Convert.ToHexStringLower(input))
        {
            throw new FeedFormatException("A receipt entry's input_sha256 is 64 lowercase hex digits.");
        }

        var logEntry = new SignatureLogEntry(
            root.Integer("index", 0, long.MaxValue - 1),
            DateTimeOffset.FromUnixTimeMilliseconds(entry.Integer("at_ms", 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())),
            entry.String("kid", SignatureLogEntry.MaxFieldLength),
            entry.String("purpose", SignatureLogEntry.MaxFieldLength),
            entry.String("client", SignatureLogEntry.MaxFieldLength),
            entry.String("subject", SignatureLogEntry.MaxFieldLength),
            input);
        logEntry.Check();

        var inclusion = new List<byte[]>();
        foreach (var item in root.Array("inclusion", MerkleTree.MaxProofLength).EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new FeedFormatException("A receipt's inclusion proof is a list of base64 hashes.");
            }

            byte[] hash;
            try
            {
                hash = Convert.FromBase64String(JsonMembers.StringValue(item, What));
            }
            catch (FormatException)
            {
                throw new FeedFormatException("A receipt's inclusion proof is a list of standard base64 hashes.");
            }

            if (hash.Length != MerkleTree.HashLength)
            {
                throw new FeedFormatException("Every hash of a receipt's inclusion proof is 32 bytes.");
            }

            inclusion.Add(hash);
        }

        // A signed note is lines of text: read it as is, LogCheckpoint.Verify checks every byte.
        if (!document.RootElement.TryGetProperty("checkpoint", out var note) || note.ValueKind != JsonValueKind.String
            || JsonMembers.StringValue(note, What) is not { Length: > 0 and <= LogCheckpoint.MaxNoteBytes } checkpoint)
        {
            throw new FeedFormatException($"A signature receipt's 'checkpoint' is the signed note as a string of at most {LogCheckpoint.MaxNoteBytes} characters.");
        }

        return new SignatureReceipt(logEntry, root.Integer("tree_size", 1, long.MaxValue), inclusion, checkpoint);
    }

    public static SignatureReceipt Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));
}
