using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Ledger.Contracts.Admin.V1;

namespace Ledger.Cli.Exports;

/// <summary>
/// The export file (docs/EXPORT.md): NDJSON, one record per line — a header, every event in
/// global sequence order, the current state of every projection's documents, Notary's signature
/// log entries and latest checkpoint (Notary only), and a trailer holding the counts and the
/// SHA-256 of every line before it.
/// </summary>
internal static class ExportFormat
{
    public const string Name = "ledger-export/v1";

    /// <summary>JSON as written to the file: compact, and readable (no \u escapes for '+' or non-ASCII letters).</summary>
    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Line(ExportEventsResponse record) => record.RecordCase switch
    {
        ExportEventsResponse.RecordOneofCase.Header => Header(record.Header),
        ExportEventsResponse.RecordOneofCase.Event => new JsonObject
        {
            ["kind"] = "event",
            ["sequence"] = record.Event.Sequence,
            ["streamId"] = record.Event.StreamId,
            ["version"] = record.Event.Version,
            ["type"] = record.Event.Type,
            ["timestamp"] = Time(record.Event.Timestamp),
            ["eventId"] = record.Event.EventId,
            ["data"] = JsonNode.Parse(record.Event.DataJson),
        },
        ExportEventsResponse.RecordOneofCase.State => new JsonObject
        {
            ["kind"] = "state",
            ["projection"] = record.State.Projection,
            ["id"] = record.State.Id,
            ["data"] = JsonNode.Parse(record.State.DataJson),
        },
        ExportEventsResponse.RecordOneofCase.Signature => new JsonObject
        {
            ["kind"] = "signature",
            ["index"] = record.Signature.Index,
            ["at"] = Time(record.Signature.At),
            ["kid"] = record.Signature.Kid,
            ["purpose"] = record.Signature.Purpose,
            ["client"] = record.Signature.Client,
            ["subject"] = record.Signature.Subject,
            ["inputSha256"] = Convert.ToHexStringLower(record.Signature.InputSha256.Span),
            ["leafHash"] = Convert.ToHexStringLower(record.Signature.LeafHash.Span),
        },
        ExportEventsResponse.RecordOneofCase.Checkpoint => new JsonObject
        {
            ["kind"] = "checkpoint",
            ["treeSize"] = record.Checkpoint.TreeSize,
            ["rootHash"] = Convert.ToHexStringLower(record.Checkpoint.RootHash.Span),
            ["at"] = Time(record.Checkpoint.At),
            ["note"] = record.Checkpoint.Note,
        },
        _ => throw new InvalidOperationException($"The service sent an export record ledgerctl does not know ({record.RecordCase}); update ledgerctl."),
    };

    private static JsonObject Header(ExportHeader header)
    {
        var line = new JsonObject
        {
            ["kind"] = "header",
            ["format"] = Name,
            ["service"] = header.Service,
            ["exportedAt"] = Time(header.ExportedAt),
            ["highestSequence"] = header.HighestSequence,
            ["eventCount"] = header.EventCount,
            ["streamCount"] = header.StreamCount,
        };
        if (header.HasSignatureCount)
        {
            line["signatureCount"] = header.SignatureCount;
        }

        return line;
    }

    /// <summary>The trailer line: the service's counts and the digest of the lines written before it.</summary>
    public static JsonObject Trailer(ExportTrailer trailer, byte[] digest)
    {
        var line = new JsonObject
        {
            ["kind"] = "trailer",
            ["eventCount"] = trailer.EventCount,
            ["stateCount"] = trailer.StateCount,
            ["highestSequence"] = trailer.HighestSequence,
        };
        if (trailer.HasSignatureCount)
        {
            line["signatureCount"] = trailer.SignatureCount;
        }

        line["sha256"] = Convert.ToHexStringLower(digest);
        return line;
    }

    /// <summary>Writes the records as NDJSON; returns the counts from the trailer.</summary>
    public static async Task<ExportTrailer> WriteAsync(IAsyncEnumerable<ExportEventsResponse> records, Stream output, CancellationToken cancellationToken)
    {
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            if (record.RecordCase == ExportEventsResponse.RecordOneofCase.Trailer)
            {
                await writer.WriteLineAsync(Trailer(record.Trailer, digest.GetHashAndReset()).ToJsonString(Json));
                return record.Trailer;
            }

            var line = Line(record).ToJsonString(Json);
            digest.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
            await writer.WriteLineAsync(line);
        }

        throw CliFailure.Io("The export stream ended without its trailer: the service stopped part way. The file is incomplete; run the export again.");
    }

    private static string Time(Timestamp? timestamp) =>
        timestamp is null ? "" : timestamp.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture);
}
