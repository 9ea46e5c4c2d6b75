using System.Diagnostics;
using System.Text.Json.Nodes;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Logging;

namespace Ledger.Replay;

/// <summary>What a rebuild did to one projection.</summary>
public sealed record RebuildResult(string Name, long Streams, long DocumentsCorrected, TimeSpan Elapsed);

/// <summary>
/// Rebuilds inline snapshots from their streams while the service keeps answering. Each stream
/// is folded again inside a transaction that holds the stream's row in <c>mt_streams</c> (the
/// row every append updates), and the document is replaced in place only when the fold differs.
/// So readers never see a missing document (nothing is deleted first), and an append racing the
/// rebuild waits for it and then writes its own newer document, never the other way round.
/// </summary>
public sealed class ProjectionRebuild(IDocumentStore store, ILogger<ProjectionRebuild> logger)
{
    public async Task<RebuildResult> RebuildAsync<TDocument>(LedgerProjection projection, CancellationToken cancellationToken)
        where TDocument : class
    {
        var started = Stopwatch.GetTimestamp();
        var streams = await StreamsAsync(projection, cancellationToken);
        long corrected = 0;
        foreach (var streamId in streams)
        {
            if (await RebuildStreamAsync<TDocument>(streamId, cancellationToken))
            {
                corrected++;
                logger.LogWarning("Rebuilding {Projection}: document {Id} differed from its stream and was rewritten", projection.Name, streamId);
            }
        }

        var result = new RebuildResult(projection.Name, streams.Count, corrected, Stopwatch.GetElapsedTime(started));
        logger.LogInformation("Rebuilt {Projection}: {Streams} streams folded, {Corrected} documents corrected, in {Elapsed}",
            result.Name, result.Streams, result.DocumentsCorrected, result.Elapsed);
        return result;
    }

    private async Task<IReadOnlyList<Guid>> StreamsAsync(LedgerProjection projection, CancellationToken cancellationToken)
    {
        var names = projection.EventTypes.Select(t => t.GetEventTypeName(store.Options.Events.EventNamingStyle)).ToArray();
        await using var session = store.QuerySession();
        return await session.QueryAsync<Guid>(
            $"select distinct stream_id from {store.Options.Events.DatabaseSchemaName}.mt_events where type = any(?) order by stream_id",
            cancellationToken, [names]);
    }

    private async Task<bool> RebuildStreamAsync<TDocument>(Guid streamId, CancellationToken cancellationToken) where TDocument : class
    {
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(cancellationToken);
        await session.QueryAsync<long>(
            $"select version from {store.Options.Events.DatabaseSchemaName}.mt_streams where id = ? for update", cancellationToken, streamId);
        var folded = await session.Events.AggregateStreamAsync<TDocument>(streamId, token: cancellationToken);
        if (folded is null)
        {
            return false;
        }

        var stored = await session.Json.FindByIdAsync<TDocument>(streamId, cancellationToken);
        if (stored is not null && JsonNode.DeepEquals(JsonNode.Parse(stored), JsonNode.Parse(store.Options.Serializer().ToJson(folded))))
        {
            return false;
        }

        session.Store(folded);
        await session.SaveChangesAsync(cancellationToken);
        return true;
    }
}
