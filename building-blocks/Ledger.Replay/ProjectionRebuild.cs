using System.Data;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Grpc.Core;
using Ledger.ServiceDefaults.Grpc;
using Marten;
using Marten.Events;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Replay;

/// <summary>What a rebuild did to one projection.</summary>
public sealed record RebuildResult(string Name, long Streams, long DocumentsCorrected, TimeSpan Elapsed);

/// <summary>
/// Rebuilds an inline snapshot set-based and online (docs/ARCHITECTURE.md, "Rebuilding projections"):
/// one ordered read of the projection's events from a REPEATABLE READ snapshot, folded in memory by
/// Marten's own aggregator for the document (the projection's Create/Apply methods), a binary COPY of
/// the documents into a shadow table of the live table's shape, its indexes built afterwards, then
/// one short transaction that locks the live table, folds again the streams appended to since the
/// snapshot, and swaps the shadow in. Reads keep answering from the live table until that swap, and
/// appends keep writing their inline documents to it; the catch-up gives the shadow what they wrote.
/// </summary>
public sealed partial class ProjectionRebuild(IDocumentStore store, ILogger<ProjectionRebuild> logger)
{
    // The columns Marten gives a document table of these projections (no duplicated fields, no
    // soft deletes, no tenancy column): a table with others is refused rather than half-copied.
    private static readonly string[] DocumentColumns = ["id", "data", "mt_last_modified", "mt_dotnet_type", "mt_version"];

    // How long the swap may wait for the live table's lock before it gives up and tries again
    // (a waiting ACCESS EXCLUSIVE lock holds up every read queued behind it), and how often.
    private static readonly TimeSpan SwapLockTimeout = TimeSpan.FromSeconds(2);
    private const int SwapAttempts = 5;

    public async Task<RebuildResult> RebuildAsync<TDocument>(LedgerProjection projection, CancellationToken cancellationToken)
        where TDocument : class
    {
        var started = Stopwatch.GetTimestamp();
        var options = (StoreOptions)store.Options;
        var mapping = store.Options.FindOrResolveDocumentType(typeof(TDocument));
        var table = new Table(mapping.TableName.Schema, mapping.TableName.Name);
        var eventSchema = store.Options.Events.DatabaseSchemaName;
        var dotnetType = typeof(TDocument).FullName!;
        var aggregator = options.Projections.AggregatorFor<TDocument>();
        var eventTypes = projection.EventTypes.ToArray();

        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        // One rebuild of a table at a time, across every replica: a second one waits for the first.
        await ExecuteAsync(connection, $"select pg_advisory_lock({table.LockKey})", cancellationToken);
        try
        {
            await CheckShapeAsync(connection, table, cancellationToken);
            var indexes = await IndexesAsync(connection, table, cancellationToken);
            await ExecuteAsync(connection,
                $"drop table if exists {table.Shadow}; create table {table.Shadow} (like {table.Live} including defaults including constraints including storage including compression including generated including identity)",
                cancellationToken);

            // The snapshot: every stream's version and every folded event, as of one instant.
            Dictionary<Guid, long> versions;
            var documents = new Dictionary<Guid, TDocument?>();
            await using (var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
            {
                await using var session = store.QuerySession(SessionOptions.ForTransaction(snapshot));
                versions = await StreamVersionsAsync(connection, eventSchema, cancellationToken);
                var events = session.Events.QueryAllRawEvents()
                    .Where(e => e.EventTypesAre(eventTypes))
                    .OrderBy(e => e.Sequence)
                    .ToAsyncEnumerable(cancellationToken);
                var one = new IEvent[1];
                await foreach (var e in events)
                {
                    one[0] = e;
                    documents.TryGetValue(e.StreamId, out var state);
                    documents[e.StreamId] = await aggregator.BuildAsync(one, session, state, cancellationToken);
                }

                await snapshot.CommitAsync(cancellationToken);
            }

            await CopyAsync(connection, table, documents, versions, dotnetType, projection, cancellationToken);
            foreach (var index in indexes)
            {
                await ExecuteAsync(connection, index.CreateOnShadow(table), cancellationToken);
            }

            await ExecuteAsync(connection, $"analyze {table.Shadow}", cancellationToken);
            var differing = await DifferingAsync(connection, table, cancellationToken);

            // Catch up once without the lock (whatever was appended while the snapshot was read), so the
            // locked catch-up below has only the last moments' appends to fold.
            var caughtUp = await CatchUpAsync<TDocument>(connection, null, table, versions, eventTypes, dotnetType, aggregator, cancellationToken);
            var swapped = await SwapAsync<TDocument>(connection, table, indexes, versions, eventTypes, dotnetType, aggregator, cancellationToken);
            caughtUp.UnionWith(swapped);

            var corrected = differing.Count(id => !caughtUp.Contains(id));
            var result = new RebuildResult(projection.Name, documents.Count, corrected, Stopwatch.GetElapsedTime(started));
            if (corrected > 0)
            {
                logger.LogWarning("Rebuilding {Projection}: {Corrected} documents differed from their streams and were replaced", projection.Name, corrected);
            }

            logger.LogInformation("Rebuilt {Projection}: {Streams} streams folded, {Corrected} documents corrected, {CaughtUp} streams appended to during the rebuild folded again, in {Elapsed}",
                result.Name, result.Streams, result.DocumentsCorrected, caughtUp.Count, result.Elapsed);
            return result;
        }
        finally
        {
            if (connection.State == ConnectionState.Open)
            {
                await ExecuteAsync(connection, $"drop table if exists {table.Shadow}; select pg_advisory_unlock({table.LockKey})", CancellationToken.None);
            }
        }
    }

    private async Task CopyAsync<TDocument>(NpgsqlConnection connection, Table table, Dictionary<Guid, TDocument?> documents,
        Dictionary<Guid, long> versions, string dotnetType, LedgerProjection projection, CancellationToken cancellationToken)
        where TDocument : class
    {
        var serializer = store.Options.Serializer();
        await using var writer = await connection.BeginBinaryImportAsync(
            $"copy {table.Shadow} (id, data, mt_dotnet_type, mt_version) from stdin (format binary)", cancellationToken);
        foreach (var (streamId, document) in documents)
        {
            if (document is null)
            {
                continue;
            }

            if (projection.IdOf(document) != streamId)
            {
                throw new InvalidOperationException($"Folding stream {streamId} for {projection.Name} gave a document with id {projection.IdOf(document)}: its Create method must set Id to the stream id.");
            }

            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(streamId, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(serializer.ToJson(document), NpgsqlDbType.Jsonb, cancellationToken);
            await writer.WriteAsync(dotnetType, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(versions.GetValueOrDefault(streamId), NpgsqlDbType.Bigint, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Folds again, from all their events, the streams whose version in <c>mt_streams</c> is not the one
    /// last folded, writes their documents into the shadow (or removes them) and records the new versions.
    /// Runs in <paramref name="transaction"/> when given (the swap's), else in a snapshot of its own.
    /// </summary>
    private async Task<HashSet<Guid>> CatchUpAsync<TDocument>(NpgsqlConnection connection, NpgsqlTransaction? transaction, Table table,
        Dictionary<Guid, long> versions, Type[] eventTypes, string dotnetType, IAggregator<TDocument, IQuerySession> aggregator,
        CancellationToken cancellationToken)
        where TDocument : class
    {
        var own = transaction is null ? await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken) : null;
        try
        {
            var eventSchema = store.Options.Events.DatabaseSchemaName;
            var current = await StreamVersionsAsync(connection, eventSchema, cancellationToken);
            var changed = current.Where(s => !versions.TryGetValue(s.Key, out var known) || known != s.Value).Select(s => s.Key)
                .Concat(versions.Keys.Where(id => !current.ContainsKey(id)))
                .ToHashSet();
            if (changed.Count == 0)
            {
                return changed;
            }

            await using var session = store.QuerySession(SessionOptions.ForTransaction((transaction ?? own)!));
            var ids = changed.ToArray();
            var events = await session.Events.QueryAllRawEvents()
                .Where(e => e.EventTypesAre(eventTypes) && e.StreamId.IsOneOf(ids))
                .OrderBy(e => e.Sequence)
                .ToListAsync(cancellationToken);
            var folded = new Dictionary<Guid, TDocument?>();
            foreach (var stream in events.GroupBy(e => e.StreamId))
            {
                folded[stream.Key] = await aggregator.BuildAsync(stream.ToList(), session, null, cancellationToken);
            }

            var serializer = store.Options.Serializer();
            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"delete from {table.Shadow} where id = any($1)") { Parameters = { new() { Value = ids } } });
            foreach (var (id, document) in folded)
            {
                if (document is not null)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(
                        $"insert into {table.Shadow} (id, data, mt_dotnet_type, mt_version) values ($1, $2, $3, $4)")
                    {
                        Parameters =
                        {
                            new() { Value = id },
                            new() { Value = serializer.ToJson(document), NpgsqlDbType = NpgsqlDbType.Jsonb },
                            new() { Value = dotnetType },
                            new() { Value = current.GetValueOrDefault(id) },
                        },
                    });
                }
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
            foreach (var id in changed)
            {
                if (current.TryGetValue(id, out var version))
                {
                    versions[id] = version;
                }
                else
                {
                    versions.Remove(id);
                }
            }

            return changed;
        }
        finally
        {
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
                await own.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The short transaction: lock the live table (appends to its streams wait; reads wait only for
    /// this transaction), fold the streams appended to since the last catch-up, drop the live table
    /// and give the shadow its name and its indexes' names. Retried when the lock is not had in time.
    /// </summary>
    private async Task<HashSet<Guid>> SwapAsync<TDocument>(NpgsqlConnection connection, Table table, IReadOnlyList<Index> indexes,
        Dictionary<Guid, long> versions, Type[] eventTypes, string dotnetType, IAggregator<TDocument, IQuerySession> aggregator,
        CancellationToken cancellationToken)
        where TDocument : class
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            try
            {
                await ExecuteAsync(connection, $"set local lock_timeout = {(int)SwapLockTimeout.TotalMilliseconds}; lock table {table.Live} in access exclusive mode", cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable && attempt < SwapAttempts)
            {
                await transaction.RollbackAsync(cancellationToken);
                logger.LogInformation("Rebuilding {Table}: the live table stayed locked for {Timeout}; trying again", table.Live, SwapLockTimeout);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                continue;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                throw ErrorReasons.Failure(StatusCode.Aborted, ErrorReasons.ConcurrentChange,
                    $"Rebuilding {table.Live}: its lock was not had within {SwapLockTimeout.TotalSeconds:0} s in {SwapAttempts} attempts (a long transaction holds it); the live table is unchanged. Run the rebuild again when that transaction is over.");
            }

            var caughtUp = await CatchUpAsync(connection, transaction, table, versions, eventTypes, dotnetType, aggregator, cancellationToken);
            var swap = new StringBuilder($"drop table {table.Live}; alter table {table.Shadow} rename to {Quote(table.Name)};");
            foreach (var index in indexes)
            {
                swap.Append($" alter index {Quote(table.Schema)}.{Quote(index.ShadowName)} rename to {Quote(index.Name)};");
            }

            await ExecuteAsync(connection, swap.ToString(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return caughtUp;
        }
    }

    /// <summary>Ids whose document in the shadow differs from (or is missing in, or only in) the live table.</summary>
    private static async Task<List<Guid>> DifferingAsync(NpgsqlConnection connection, Table table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"select coalesce(s.id, l.id) from {table.Shadow} s full join {table.Live} l on l.id = s.id where s.id is null or l.id is null or s.data <> l.data",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private static async Task<Dictionary<Guid, long>> StreamVersionsAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        var versions = new Dictionary<Guid, long>();
        await using var reader = await connection.BeginBinaryExportAsync(
            $"copy (select id, coalesce(version, 0) from {Quote(schema)}.mt_streams) to stdout (format binary)", cancellationToken);
        while (await reader.StartRowAsync(cancellationToken) != -1)
        {
            var id = await reader.ReadAsync<Guid>(NpgsqlDbType.Uuid, cancellationToken);
            versions[id] = await reader.ReadAsync<long>(NpgsqlDbType.Bigint, cancellationToken);
        }

        return versions;
    }

    private static async Task CheckShapeAsync(NpgsqlConnection connection, Table table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select column_name::text from information_schema.columns where table_schema = $1 and table_name = $2", connection)
        {
            Parameters = { new() { Value = table.Schema }, new() { Value = table.Name } },
        };
        var columns = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add(reader.GetString(0));
            }
        }

        if (columns.Count == 0)
        {
            throw ErrorReasons.Failure(StatusCode.FailedPrecondition, ErrorReasons.RuleViolated, $"Rebuilding {table.Live}: the table does not exist; start the service once so Marten creates it.");
        }

        if (columns.Except(DocumentColumns).ToList() is { Count: > 0 } unknown)
        {
            throw ErrorReasons.Failure(StatusCode.FailedPrecondition, ErrorReasons.RuleViolated,
                $"Rebuilding {table.Live}: its columns {string.Join(", ", unknown)} are not ones the set-based rebuild writes ({string.Join(", ", DocumentColumns)}); a projection with duplicated fields, soft deletes or tenancy needs the rebuild extended first.");
        }
    }

    private static async Task<List<Index>> IndexesAsync(NpgsqlConnection connection, Table table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            select i.relname::text, pg_get_indexdef(i.oid), x.indisprimary
            from pg_index x
            join pg_class i on i.oid = x.indexrelid
            join pg_class t on t.oid = x.indrelid
            join pg_namespace n on n.oid = t.relnamespace
            where n.nspname = $1 and t.relname = $2
            order by x.indisprimary desc, i.relname
            """, connection)
        {
            Parameters = { new() { Value = table.Schema }, new() { Value = table.Name } },
        };
        var indexes = new List<Index>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            indexes.Add(Index.Parse(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), table));
        }

        return indexes;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    /// <summary>Fits a derived name into PostgreSQL's 63 bytes, keeping it unique by a hash of the whole.</summary>
    private static string Derived(string name, string suffix)
    {
        var whole = name + suffix;
        if (Encoding.UTF8.GetByteCount(whole) <= 63)
        {
            return whole;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(whole)))[..8];
        return name[..(63 - suffix.Length - 9)] + "_" + hash + suffix;
    }

    private sealed record Table(string Schema, string Name)
    {
        public string ShadowName => Derived(Name, "_rebuild");

        public string Live => $"{Quote(Schema)}.{Quote(Name)}";

        public string Shadow => $"{Quote(Schema)}.{Quote(ShadowName)}";

        /// <summary>The advisory lock that serializes rebuilds of this table (a hash of its name).</summary>
        public long LockKey => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("ledger.rebuild:" + Live)));
    }

    /// <summary>One index of the live table, recreated on the shadow under a temporary name.</summary>
    private sealed partial record Index(string Name, string ShadowName, string Definition, bool Primary)
    {
        public static Index Parse(string name, string definition, bool primary, Table table)
        {
            var match = IndexDefinition().Match(definition);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Rebuilding {table.Live}: cannot read the definition of its index {name}: {definition}");
            }

            return new Index(name, Derived(name, "_rb"), match.Groups["rest"].Value, primary) { Unique = match.Groups["unique"].Success };
        }

        public bool Unique { get; init; }

        public string CreateOnShadow(Table table)
        {
            var create = $"create {(Unique ? "unique " : "")}index {Quote(ShadowName)} on {table.Shadow} {Definition}";
            return Primary ? $"{create}; alter table {table.Shadow} add constraint {Quote(ShadowName)} primary key using index {Quote(ShadowName)}" : create;
        }

        [GeneratedRegex(@"^CREATE (?<unique>UNIQUE )?INDEX \S+ ON (ONLY )?\S+ (?<rest>USING .*)$", RegexOptions.Singleline)]
        private static partial Regex IndexDefinition();
    }
}
