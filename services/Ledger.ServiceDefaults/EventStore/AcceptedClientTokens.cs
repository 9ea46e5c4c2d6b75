using Ledger.ClientTokens;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Ledger.ServiceDefaults.EventStore;

/// <summary>
/// The accepted client-token ids of a service, in its own database, shared by all its replicas
/// and kept across restarts: one row per (client, jti) until the token's expiry plus leeway. A
/// token is accepted by the insert that creates its row (one round trip); a replay finds the row
/// and is refused. Expired rows are deleted by <see cref="AcceptedClientTokensSweep"/>.
/// </summary>
public sealed class AcceptedClientTokens(IDocumentStore store) : IAcceptedTokenIds
{
    public const string TableName = "accepted_client_tokens";

    public static Table Table(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("client").AsPrimaryKey();
        table.AddColumn<string>("jti").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("forget_after").NotNull();
        table.Indexes.Add(new IndexDefinition($"ix_{TableName}_forget_after") { Columns = ["forget_after"] });
        return table;
    }

    private string QualifiedName => $"{store.Options.DatabaseSchemaName}.{TableName}";

    public async Task<bool> TryRecordAsync(string client, string jti, DateTimeOffset forgetAfter, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"insert into {QualifiedName} (client, jti, forget_after) values (@client, @jti, @forget_after) on conflict do nothing", connection);
        command.Parameters.AddWithValue("client", client);
        command.Parameters.AddWithValue("jti", jti);
        command.Parameters.AddWithValue("forget_after", forgetAfter.UtcDateTime);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> rows whose tokens expired before <paramref name="now"/>; returns how many.
    /// Rows another replica is deleting at the same moment are skipped, not waited for.
    /// </summary>
    public async Task<int> ForgetExpiredAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"delete from {QualifiedName} where ctid in (select ctid from {QualifiedName} where forget_after < @now " +
            "order by forget_after limit @limit for update skip locked)", connection);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        command.Parameters.AddWithValue("limit", limit);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// Deletes expired rows of <see cref="AcceptedClientTokens"/> every minute on every replica, in
/// batches of 5,000 and at most 20 batches a sweep, so one sweep never holds a long transaction;
/// what is left waits for the next one.
/// </summary>
public sealed class AcceptedClientTokensSweep(AcceptedClientTokens tokens, TimeProvider clock, ILogger<AcceptedClientTokensSweep> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    public const int BatchSize = 5_000;
    public const int MaxBatchesPerSweep = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Could not delete expired client-token ids; the next sweep tries again");
            }
        }
    }

    /// <summary>One sweep: the number of expired token ids deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        for (var batch = 0; batch < MaxBatchesPerSweep; batch++)
        {
            var count = await tokens.ForgetExpiredAsync(clock.GetUtcNow(), BatchSize, cancellationToken);
            deleted += count;
            if (count < BatchSize)
            {
                break;
            }
        }

        return deleted;
    }
}
