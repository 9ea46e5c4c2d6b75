using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Verification;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Ledger.Notary.Features.SignatureLog;

/// <summary>
/// Notary's signature log in PostgreSQL: one row per signature, its index the leaf index of the Merkle
/// tree (0, 1, 2, ... without gaps), and the signed checkpoints. Appends take a transaction-scoped
/// advisory lock, so every replica appends to one sequence and a reader always sees a gapless prefix.
/// </summary>
public sealed class SignatureLogStore(IDocumentStore store, KeyUsage usage)
{
    public const string EntriesTable = "signature_log";
    public const string CheckpointsTable = "signature_log_checkpoints";

    /// <summary>"LN" (Ledger Notary) namespace, as the ring locks; 0x5349 "SI" for the signature log.</summary>
    private const long AppendLock = (0x4c4eL << 32) | 0x5349;

    private string Schema => store.Options.DatabaseSchemaName;

    public static IEnumerable<Table> Tables(string schema)
    {
        var entries = new Table(new PostgresqlObjectName(schema, EntriesTable, SchemaUtils.IdentifierUsage.General));
        entries.AddColumn<long>("idx").AsPrimaryKey();
        entries.AddColumn<DateTimeOffset>("at").NotNull();
        entries.AddColumn<Guid>("kid").NotNull();
        entries.AddColumn<string>("purpose").NotNull();
        entries.AddColumn<string>("client").NotNull();
        entries.AddColumn<string>("subject").NotNull();
        entries.AddColumn("input_sha256", "bytea").NotNull();
        entries.AddColumn("leaf_hash", "bytea").NotNull();
        entries.Indexes.Add(new IndexDefinition("ix_signature_log_kid") { Columns = ["kid", "idx"] });
        entries.Indexes.Add(new IndexDefinition("ix_signature_log_subject") { Columns = ["subject"] });
        yield return entries;

        var checkpoints = new Table(new PostgresqlObjectName(schema, CheckpointsTable, SchemaUtils.IdentifierUsage.General));
        checkpoints.AddColumn<long>("tree_size").AsPrimaryKey();
        checkpoints.AddColumn("root_hash", "bytea").NotNull();
        checkpoints.AddColumn<DateTimeOffset>("at").NotNull();
        checkpoints.AddColumn<string>("note").NotNull();
        yield return checkpoints;
    }

    /// <summary>One signature to record: about what, and the SHA-256 of its JWS signing input.</summary>
    public sealed record Pending(string Subject, byte[] InputSha256);

    /// <summary>
    /// Appends the entries and raises the key's recorded expiry; returns the entries with their
    /// indexes. Nothing is returned to the caller of Sign before this commits.
    /// </summary>
    /// <remarks>
    /// Group commit: the log is gapless, so appends serialize through their commit (the advisory lock
    /// is held until then). One transaction per signature made that commit the bottleneck of every
    /// signing path. Instead, callers queue their entries and take turns as the writer: a writer
    /// commits every request queued at that moment (up to <see cref="MaxGroupEntries"/> entries) in
    /// one transaction, each request's entries contiguous, and completes them all; a caller whose
    /// request a writer already committed just returns. Nobody waits for a timer: a lone caller
    /// commits alone at once; callers arriving during a commit share the next one. When a group's
    /// commit fails, each of its requests is committed alone, so one request's failure (or the
    /// cancellation of the caller who happened to be the writer) never fails its neighbours.
    /// A caller that gives up while its request is still queued withdraws it: nothing is logged for
    /// a signature that never left Notary.
    /// </remarks>
    public async Task<IReadOnlyList<SignatureLogEntry>> AppendAsync(
        SigningKey key, string client, IReadOnlyList<Pending> pending, DateTimeOffset signedUntil, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var request = new AppendRequest(key, client, pending, signedUntil, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()));
        _queue.Enqueue(request);
        try
        {
            while (!request.Completion.Task.IsCompleted)
            {
                await _writer.WaitAsync(cancellationToken);
                try
                {
                    if (!request.Completion.Task.IsCompleted)
                    {
                        await CommitQueuedAsync(request);
                    }
                }
                finally
                {
                    _writer.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Still queued: withdrawn, never logged. Already claimed: logged, though its caller has gone.
            request.Withdraw();
            throw;
        }

        return await request.Completion.Task;
    }

    /// <summary>Most entries one group's transaction appends (a SignBatch brings at most 1,000).</summary>
    public const int MaxGroupEntries = 4096;

    private static readonly Histogram<int> GroupSizes = LedgerTelemetry.Meter.CreateHistogram<int>(
        "ledger.notary.signature_log.group_size", unit: "{request}",
        description: "Sign requests whose log entries one signature log transaction committed (group commit)");

    private readonly ConcurrentQueue<AppendRequest> _queue = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>
    /// Called holding the writer's turn: commits the queued requests, a group at a time, until the
    /// writer's own is done (every caller still queued waits for a turn, so no request is stranded).
    /// </summary>
    private async Task CommitQueuedAsync(AppendRequest own)
    {
        while (!own.Completion.Task.IsCompleted && TakeGroup() is { Count: > 0 } group)
        {
            GroupSizes.Record(group.Count);
            try
            {
                // Not the writer's own cancellation: the group belongs to every caller in it.
                var entries = await CommitAsync(group, CancellationToken.None);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Completion.SetResult(entries[i]);
                }
            }
            catch (Exception) when (group.Count > 1)
            {
                foreach (var request in group)
                {
                    try
                    {
                        request.Completion.SetResult((await CommitAsync([request], CancellationToken.None))[0]);
                    }
                    catch (Exception alone)
                    {
                        request.Completion.SetException(alone);
                    }
                }
            }
            catch (Exception failed)
            {
                group[0].Completion.SetException(failed);
            }
        }
    }

    private List<AppendRequest> TakeGroup()
    {
        var group = new List<AppendRequest>();
        var entries = 0;
        while (_queue.TryPeek(out var next) && (group.Count == 0 || entries + next.Pending.Count <= MaxGroupEntries))
        {
            _queue.TryDequeue(out _);
            if (next.Claim())
            {
                group.Add(next);
                entries += next.Pending.Count;
            }
        }

        return group;
    }

    /// <summary>One transaction: the log's lock, its head, every request's entries in order, each key's expiry raised.</summary>
    private async Task<IReadOnlyList<IReadOnlyList<SignatureLogEntry>>> CommitAsync(IReadOnlyList<AppendRequest> group, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", AppendLock);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        long next;
        await using (var head = new NpgsqlCommand($"select coalesce(max(idx) + 1, 0) from {Schema}.{EntriesTable}", connection, transaction))
        {
            next = (long)(await head.ExecuteScalarAsync(cancellationToken))!;
        }

        var perRequest = new List<IReadOnlyList<SignatureLogEntry>>(group.Count);
        foreach (var request in group)
        {
            var first = next;
            perRequest.Add(request.Pending.Select((p, i) => new SignatureLogEntry(
                first + i, request.At, request.Key.Id.ToString(), request.Key.Purpose.Name(), request.Client, p.Subject, p.InputSha256)).ToList());
            next += request.Pending.Count;
        }

        var entries = perRequest.SelectMany(e => e).ToList();
        var kids = group.SelectMany(r => r.Pending.Select(_ => r.Key.Id)).ToArray();
        await using (var insert = new NpgsqlCommand(
            $"insert into {Schema}.{EntriesTable} (idx, at, kid, purpose, client, subject, input_sha256, leaf_hash) " +
            "select * from unnest(@idx, @at, @kid, @purpose, @client, @subject, @input, @leaf)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter("idx", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = entries.Select(e => e.Index).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = entries.Select(e => e.At.UtcDateTime).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("kid", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = kids });
            insert.Parameters.Add(new NpgsqlParameter("purpose", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = entries.Select(e => e.Purpose).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("client", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = entries.Select(e => e.Client).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("subject", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = entries.Select(e => e.Subject).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("input", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = entries.Select(e => e.InputSha256).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("leaf", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = entries.Select(e => e.LeafHash()).ToArray() });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // Keys in a fixed order, so two replicas' groups never wait on each other's key_usage rows in opposite orders.
        foreach (var (kid, until) in group.GroupBy(r => r.Key.Id).Select(g => (g.Key, g.Max(r => r.SignedUntil))).OrderBy(k => k.Key))
        {
            await usage.RecordAsync(connection, transaction, kid, until, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return perRequest;
    }

    /// <summary>A caller's entries waiting for a writer: claimed by the writer that commits them, or withdrawn by a caller that gave up first.</summary>
    private sealed class AppendRequest(SigningKey key, string client, IReadOnlyList<Pending> pending, DateTimeOffset signedUntil, DateTimeOffset at)
    {
        private const int Queued = 0, Claimed = 1, Withdrawn = 2;
        private int _state;

        public SigningKey Key => key;
        public string Client => client;
        public IReadOnlyList<Pending> Pending => pending;
        public DateTimeOffset SignedUntil => signedUntil;
        public DateTimeOffset At => at;

        public TaskCompletionSource<IReadOnlyList<SignatureLogEntry>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Claim() => Interlocked.CompareExchange(ref _state, Claimed, Queued) == Queued;

        /// <summary>True when the request was still queued and now never will be committed.</summary>
        public bool Withdraw() => Interlocked.CompareExchange(ref _state, Withdrawn, Queued) == Queued;
    }

    /// <summary>Leaf hashes from <paramref name="from"/> on, in index order, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<byte[]>> ReadLeafHashesAsync(long from, int limit, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select idx, leaf_hash from {Schema}.{EntriesTable} where idx >= @from order by idx limit @limit", connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var hashes = new List<byte[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt64(0) != from + hashes.Count)
            {
                throw new InvalidOperationException($"The signature log has a gap at index {from + hashes.Count}; its table was altered.");
            }

            hashes.Add((byte[])reader[1]);
        }

        return hashes;
    }

    /// <summary>Entries in index order, filtered by kid, time and subject; <paramref name="after"/> pages.</summary>
    public async Task<IReadOnlyList<SignatureLogEntry>> ListAsync(
        Guid? kid, DateTimeOffset? since, string? subject, long after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select idx, at, kid, purpose, client, subject, input_sha256 from {Schema}.{EntriesTable} " +
            "where idx > @after and (@kid::uuid is null or kid = @kid) and (@since::timestamptz is null or at >= @since) " +
            "and (@subject::text is null or subject = @subject) order by idx limit @limit", connection);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Bigint) { Value = after });
        command.Parameters.Add(new NpgsqlParameter("kid", NpgsqlDbType.Uuid) { Value = (object?)kid ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = (object?)since?.UtcDateTime ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("subject", NpgsqlDbType.Text) { Value = (object?)subject ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<SignatureLogEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new SignatureLogEntry(
                reader.GetInt64(0), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero), reader.GetGuid(2).ToString(),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), (byte[])reader[6]));
        }

        return entries;
    }

    public async Task<SignatureLogEntry?> GetAsync(long index, CancellationToken cancellationToken) =>
        (await ListAsync(null, null, null, index - 1, 1, cancellationToken)).FirstOrDefault(e => e.Index == index);

    /// <summary>Stores a checkpoint unless one of that size exists; returns the stored note of that size (another replica's may have won).</summary>
    public async Task<StoredCheckpoint> SaveCheckpointAsync(
        LogCheckpoint checkpoint, string note, Guid kid, DateTimeOffset signedUntil, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand(
            $"insert into {Schema}.{CheckpointsTable} (tree_size, root_hash, at, note) values (@size, @root, @at, @note) on conflict (tree_size) do nothing",
            connection, transaction))
        {
            insert.Parameters.AddWithValue("size", checkpoint.Size);
            insert.Parameters.AddWithValue("root", checkpoint.RootHash);
            insert.Parameters.AddWithValue("at", checkpoint.Time.UtcDateTime);
            insert.Parameters.AddWithValue("note", note);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await usage.RecordAsync(connection, transaction, kid, signedUntil, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await ReadCheckpointAsync(checkpoint.Size, cancellationToken))!;
    }

    /// <summary>The checkpoint of exactly <paramref name="size"/> entries, or the latest (null size).</summary>
    public async Task<StoredCheckpoint?> ReadCheckpointAsync(long? size, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select tree_size, root_hash, at, note from {Schema}.{CheckpointsTable} where (@size::bigint is null or tree_size = @size) order by tree_size desc limit 1",
            connection);
        command.Parameters.Add(new NpgsqlParameter("size", NpgsqlDbType.Bigint) { Value = (object?)size ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredCheckpoint(reader.GetInt64(0), (byte[])reader[1], new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), reader.GetString(3));
    }
}

/// <summary>A signed checkpoint as stored: its size, root, time and the note verifiers receive.</summary>
public sealed record StoredCheckpoint(long TreeSize, byte[] RootHash, DateTimeOffset At, string Note);
