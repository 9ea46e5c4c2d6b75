using Ledger.ClientTokens;
using System.Data;
using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using Ledger.Contracts.Admin.V1;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using Marten.Services;

namespace Ledger.Replay;

/// <summary>
/// Reads a service's whole ledger for export: a header, every event in global sequence order
/// (a page at a time), the current document of every projection, the signature log's entries and
/// latest checkpoint where the service keeps one (Notary), and a trailer, all from one
/// REPEATABLE READ snapshot, so counts, events, states and log agree even while the service writes.
/// </summary>
public sealed class EventExport(
    IDocumentStore store, IEnumerable<LedgerProjection> projections, IEnumerable<ISignatureLogExport> signatureLogs,
    LedgerServiceIdentity service, TimeProvider clock)
{
    public const int DefaultPageSize = 500;
    public const int MaxPageSize = 1000;

    public async IAsyncEnumerable<ExportEventsResponse> ReadAsync(int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession(new SessionOptions { IsolationLevel = IsolationLevel.RepeatableRead });
        await session.BeginTransactionAsync(cancellationToken);
        var schema = store.Options.Events.DatabaseSchemaName;
        var highest = (await session.QueryAsync<long>($"select coalesce(max(seq_id), 0) from {schema}.mt_events", cancellationToken)).Single();
        var eventCount = (await session.QueryAsync<long>($"select count(*) from {schema}.mt_events", cancellationToken)).Single();
        var streamCount = (await session.QueryAsync<long>($"select count(distinct stream_id) from {schema}.mt_events", cancellationToken)).Single();
        var signatureLog = signatureLogs.SingleOrDefault();
        var signatureCount = signatureLog is null ? 0 : await signatureLog.CountAsync(session, cancellationToken);
        var header = new ExportHeader
        {
            Service = service.Name,
            ExportedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            HighestSequence = highest,
            EventCount = eventCount,
            StreamCount = streamCount,
        };
        if (signatureLog is not null)
        {
            header.SignatureCount = signatureCount;
        }

        yield return new ExportEventsResponse { Header = header };

        long exported = 0;
        long after = 0;
        while (true)
        {
            var page = await session.Events.QueryAllRawEvents()
                .Where(e => e.Sequence > after && e.Sequence <= highest)
                .OrderBy(e => e.Sequence)
                .Take(pageSize)
                .ToListAsync(cancellationToken);
            foreach (var e in page)
            {
                exported++;
                yield return new ExportEventsResponse
                {
                    Event = new ExportedEvent
                    {
                        Sequence = e.Sequence,
                        StreamId = e.StreamId.ToString(),
                        Version = e.Version,
                        Type = e.EventTypeName,
                        Timestamp = Timestamp.FromDateTimeOffset(e.Timestamp),
                        DataJson = ExportJson.Serialize(e.Data, e.EventType),
                        EventId = e.Id.ToString(),
                    },
                };
            }

            if (page.Count < pageSize)
            {
                break;
            }

            after = page[^1].Sequence;
        }

        long states = 0;
        foreach (var projection in projections.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            await foreach (var document in projection.DocumentsAsync(session, cancellationToken))
            {
                states++;
                yield return new ExportEventsResponse
                {
                    State = new ExportedState
                    {
                        Projection = projection.Name,
                        Id = projection.IdOf(document).ToString(),
                        DataJson = ExportJson.Serialize(document, projection.DocumentType),
                    },
                };
            }
        }

        var trailer = new ExportTrailer { EventCount = exported, StateCount = states, HighestSequence = highest };
        if (signatureLog is not null)
        {
            long signatures = 0;
            await foreach (var entry in signatureLog.EntriesAsync(session, signatureCount, pageSize, cancellationToken))
            {
                signatures++;
                yield return new ExportEventsResponse { Signature = entry };
            }

            if (await signatureLog.CheckpointAsync(session, signatureCount, cancellationToken) is { } checkpoint)
            {
                yield return new ExportEventsResponse { Checkpoint = checkpoint };
            }

            trailer.SignatureCount = signatures;
        }

        yield return new ExportEventsResponse { Trailer = trailer };
    }
}
