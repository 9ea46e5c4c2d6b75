using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Verification;

namespace Ledger.Cli.Exports;

/// <summary>What verify-export found: the export's shape, its sequence gaps, and every problem.</summary>
internal sealed record ExportReport(
    string? Service, long Events, long Streams, long States, long HighestSequence,
    IReadOnlyList<(long After, long Before)> Gaps, int LicensesReplayed, IReadOnlyList<string> Problems)
{
    public bool Valid => Problems.Count == 0;

    /// <summary>Notary's export: the signature log entries in it, and the size of its checkpoint (null: none).</summary>
    public long Signatures { get; init; }

    public long? CheckpointSize { get; init; }
}

/// <summary>
/// Checks an export file offline (docs/EXPORT.md): framing (header first, trailer last), the
/// trailer's digest and counts, sequence order (strictly increasing; gaps are reported, not
/// refused: they are appends that rolled back), every stream's versions contiguous from 1, and
/// that every license's stream replays to the state the export recorded for it.
/// </summary>
internal static class ExportVerification
{
    private const int MaxProblems = 50;

    public static async Task<ExportReport> VerifyAsync(Stream input, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        void Problem(string text)
        {
            if (problems.Count < MaxProblems)
            {
                problems.Add(text);
            }
            else if (problems.Count == MaxProblems)
            {
                problems.Add("... and more; fix the first problems and verify again.");
            }
        }

        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var reader = new StreamReader(input, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        JsonObject? header = null;
        JsonObject? trailer = null;
        var lineNumber = 0;
        long events = 0;
        long states = 0;
        long lastSequence = 0;
        var gaps = new List<(long, long)>();
        var streamVersions = new Dictionary<string, long>();
        var eventIds = new HashSet<string>();
        var licenseEvents = new Dictionary<string, List<(string Type, JsonObject Data)>>();
        var licenseStates = new Dictionary<string, (JsonObject State, int Line)>();
        var statesOfStreams = new List<(string Projection, string Id, int Line)>();
        var leafHashes = new List<byte[]>();
        (JsonObject Record, int Line)? checkpoint = null;

        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (trailer is not null)
            {
                Problem($"line {lineNumber}: a line after the trailer; the trailer must be the last line.");
                continue;
            }

            JsonObject record;
            try
            {
                record = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not a JSON object");
            }
            catch (JsonException e)
            {
                Problem($"line {lineNumber}: not a JSON object ({e.Message.Split('.')[0]}).");
                digest.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
                continue;
            }

            var kind = Text(record, "kind");
            if (kind != "trailer")
            {
                digest.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
            }

            if (lineNumber == 1 && kind != "header")
            {
                Problem("line 1: the export does not start with its header.");
            }

            switch (kind)
            {
                case "header":
                    if (lineNumber != 1)
                    {
                        Problem($"line {lineNumber}: a header that is not the first line.");
                    }
                    else if (Text(record, "format") != ExportFormat.Name)
                    {
                        Problem($"line 1: format '{Text(record, "format")}' is not {ExportFormat.Name}; this ledgerctl cannot check it.");
                    }

                    header ??= record;
                    break;
                case "event":
                    events++;
                    var sequence = Number(record, "sequence");
                    var streamId = Text(record, "streamId") ?? "";
                    var version = Number(record, "version");
                    var type = Text(record, "type") ?? "";
                    if (sequence <= lastSequence)
                    {
                        Problem($"line {lineNumber}: sequence {sequence} does not follow {lastSequence}; events must be in strictly increasing sequence order (a line was moved or repeated).");
                    }
                    else
                    {
                        if (sequence > lastSequence + 1)
                        {
                            gaps.Add((lastSequence, sequence));
                        }

                        lastSequence = sequence;
                    }

                    var expected = streamVersions.GetValueOrDefault(streamId) + 1;
                    if (version != expected)
                    {
                        Problem($"line {lineNumber}: stream {streamId} version {version} where {expected} was due; a stream's versions run 1, 2, 3... (a line is missing, moved or repeated).");
                    }

                    streamVersions[streamId] = Math.Max(version, streamVersions.GetValueOrDefault(streamId));
                    if (Text(record, "eventId") is { } eventId && !eventIds.Add(eventId))
                    {
                        Problem($"line {lineNumber}: event id {eventId} appears twice.");
                    }

                    if (record["data"] is not JsonObject data)
                    {
                        Problem($"line {lineNumber}: the event has no data object.");
                        break;
                    }

                    // A license's stream is the one that starts with license_issued; all its events are replayed.
                    if (version == 1 && type == LicenseReplay.EventTypes[0])
                    {
                        licenseEvents[streamId] = [];
                    }

                    if (licenseEvents.TryGetValue(streamId, out var licenseStream))
                    {
                        licenseStream.Add((type, data));
                    }

                    break;
                case "state":
                    states++;
                    var projection = Text(record, "projection") ?? "";
                    var id = Text(record, "id") ?? "";
                    statesOfStreams.Add((projection, id, lineNumber));
                    if (projection == LicenseReplay.Projection)
                    {
                        if (record["data"] is JsonObject state)
                        {
                            licenseStates[id] = (state, lineNumber);
                        }
                        else
                        {
                            Problem($"line {lineNumber}: the state of license {id} has no data object.");
                        }
                    }

                    break;
                case "signature":
                    if (checkpoint is not null)
                    {
                        Problem($"line {lineNumber}: a signature after the checkpoint; the checkpoint follows the last signature.");
                    }

                    if (SignatureEntry(record, leafHashes.Count, out var leafHash) is { } wrong)
                    {
                        Problem($"line {lineNumber}: {wrong}");
                    }

                    leafHashes.Add(leafHash);
                    break;
                case "checkpoint":
                    if (checkpoint is not null)
                    {
                        Problem($"line {lineNumber}: a second checkpoint; the export holds only the latest.");
                    }

                    checkpoint = (record, lineNumber);
                    break;
                case "trailer":
                    trailer = record;
                    var recorded = Text(record, "sha256");
                    var computed = Convert.ToHexStringLower(digest.GetHashAndReset());
                    if (recorded != computed)
                    {
                        Problem($"line {lineNumber}: the trailer's sha256 {recorded} is not the digest of the lines before it ({computed}): lines were changed, added or removed.");
                    }

                    break;
                default:
                    Problem($"line {lineNumber}: unknown record kind '{kind}'; expected header, event, state, signature, checkpoint or trailer.");
                    break;
            }
        }

        if (lineNumber == 0)
        {
            Problem("the file is empty.");
        }
        else if (trailer is null)
        {
            Problem("the export has no trailer: the file is cut short.");
        }

        var streams = streamVersions.Count;
        if (header is not null)
        {
            Expect(Number(header, "eventCount"), events, "events", "header", Problem);
            Expect(Number(header, "streamCount"), streams, "streams", "header", Problem);
            Expect(Number(header, "highestSequence"), lastSequence, "as highest sequence", "header", Problem);
        }

        if (trailer is not null)
        {
            Expect(Number(trailer, "eventCount"), events, "events", "trailer", Problem);
            Expect(Number(trailer, "stateCount"), states, "states", "trailer", Problem);
        }

        // Notary's signature log: the counts, and the checkpoint's root recomputed from the exported leaves.
        foreach (var (counted, where) in new[] { (header, "header"), (trailer, "trailer") })
        {
            if (counted is not null && (counted.ContainsKey("signatureCount") || leafHashes.Count > 0))
            {
                Expect(Number(counted, "signatureCount"), leafHashes.Count, "signatures", where, Problem);
            }
        }

        if (checkpoint is { } exportedCheckpoint && CheckpointProblem(exportedCheckpoint.Record, leafHashes) is { } checkpointProblem)
        {
            Problem($"line {exportedCheckpoint.Line}: {checkpointProblem}");
        }

        foreach (var (projection, id, line) in statesOfStreams.Where(s => !streamVersions.ContainsKey(s.Id)))
        {
            Problem($"line {line}: {projection} state {id} has no events in the export.");
        }

        var replayed = 0;
        foreach (var (streamId, licenseStream) in licenseEvents)
        {
            if (!licenseStates.TryGetValue(streamId, out var exported))
            {
                Problem($"license {streamId}: its events are in the export but its state is not.");
                continue;
            }

            var (state, problem) = LicenseReplay.Replay(licenseStream);
            if (state is null)
            {
                Problem($"license {streamId}: cannot be replayed: {problem}.");
                continue;
            }

            replayed++;
            foreach (var difference in LicenseReplay.Differences(state, exported.State))
            {
                Problem($"license {streamId} (state on line {exported.Line}): {difference}.");
            }
        }

        foreach (var (id, (_, line)) in licenseStates.Where(s => !licenseEvents.ContainsKey(s.Key)))
        {
            Problem($"line {line}: license {id} has a state but no license events.");
        }

        return new ExportReport(header is null ? null : Text(header, "service"), events, streams, states, lastSequence, gaps, replayed, problems)
        {
            Signatures = leafHashes.Count,
            CheckpointSize = checkpoint is { } found ? Number(found.Record, "treeSize") : null,
        };
    }

    /// <summary>Checks a signature line: its index is the next leaf, and its leaf hash is the one its members give (docs/TRANSPARENCY.md).</summary>
    private static string? SignatureEntry(JsonObject record, int expectedIndex, out byte[] leafHash)
    {
        leafHash = new byte[MerkleTree.HashLength];
        var index = Number(record, "index");
        if (index != expectedIndex)
        {
            return $"signature index {index} where {expectedIndex} was due; the log's indexes run 0, 1, 2... (an entry is missing, moved or repeated).";
        }

        try
        {
            var recorded = Convert.FromHexString(Text(record, "leafHash") ?? "");
            var entry = new SignatureLogEntry(index,
                DateTimeOffset.Parse(Text(record, "at") ?? "", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind),
                Text(record, "kid") ?? "", Text(record, "purpose") ?? "", Text(record, "client") ?? "", Text(record, "subject") ?? "",
                Convert.FromHexString(Text(record, "inputSha256") ?? ""));
            leafHash = entry.LeafHash();
            return recorded.AsSpan().SequenceEqual(leafHash)
                ? null
                : $"signature {index}: its leafHash is not the hash of its members ({Convert.ToHexStringLower(leafHash)}); the entry was changed.";
        }
        catch (Exception e) when (e is FormatException or FeedFormatException or ArgumentException)
        {
            return $"signature {index}: unreadable members ({e.Message})";
        }
    }

    /// <summary>The checkpoint's size is within the exported log, its note says the same size and root, and the root is the exported leaves' Merkle root.</summary>
    private static string? CheckpointProblem(JsonObject record, IReadOnlyList<byte[]> leaves)
    {
        var size = Number(record, "treeSize");
        if (size < 0 || size > leaves.Count)
        {
            return $"the checkpoint's tree size {size} is not within the {leaves.Count} signatures exported.";
        }

        byte[] root;
        try
        {
            root = Convert.FromHexString(Text(record, "rootHash") ?? "");
        }
        catch (FormatException)
        {
            return "the checkpoint's rootHash is not hexadecimal.";
        }

        var note = (Text(record, "note") ?? "").Split('\n');
        if (note.Length < 3 || note[1] != size.ToString(System.Globalization.CultureInfo.InvariantCulture) || note[2] != Convert.ToBase64String(root))
        {
            return "the checkpoint's note does not state its tree size and root hash.";
        }

        var computed = MerkleRoot(leaves, 0, (int)size);
        return computed.AsSpan().SequenceEqual(root)
            ? null
            : $"the checkpoint's root hash is not the Merkle root of the first {size} signatures ({Convert.ToHexStringLower(computed)}): the log was changed.";
    }

    /// <summary>RFC 9162 §2.1.1 MTH over leaf hashes: the empty root, a leaf, or the node of the largest power-of-two split.</summary>
    private static byte[] MerkleRoot(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 0)
        {
            return MerkleTree.EmptyRoot;
        }

        if (count == 1)
        {
            return leaves[start];
        }

        var split = 1;
        while (split * 2 < count)
        {
            split *= 2;
        }

        return MerkleTree.NodeHash(MerkleRoot(leaves, start, split), MerkleRoot(leaves, start + split, count - split));
    }

    private static void Expect(long recorded, long found, string what, string where, Action<string> problem)
    {
        if (recorded != found)
        {
            problem($"the {where} records {recorded} {what} but the file has {found}.");
        }
    }

    private static string? Text(JsonObject record, string name) =>
        record[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static long Number(JsonObject record, string name) =>
        record[name] is JsonValue value && value.TryGetValue<long>(out var number) ? number : -1;
}
