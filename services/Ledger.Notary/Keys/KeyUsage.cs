using Marten;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Ledger.Notary.Keys;

/// <summary>
/// The latest expiry of anything each key signed, so a retiring key stays in the JWKS until
/// every token it signed has expired. Written in the transaction that appends the signatures to
/// the signature log, before any signature is returned; rounded up to the hour.
/// </summary>
public sealed class KeyUsage(IDocumentStore store)
{
    public const string TableName = "key_usage";

    /// <summary>What an imported key signed before it came here, when nobody says until when: it stays until retired by hand.</summary>
    public static readonly DateTimeOffset Forever = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static Table Table(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("kid").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("signed_until").NotNull();
        return table;
    }

    /// <summary>
    /// Raises the key's recorded expiry to <paramref name="expiresAt"/> (rounded up to the hour), in the
    /// caller's transaction: the signature log appends its entries in the same one.
    /// </summary>
    public async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid kid, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"insert into {store.Options.DatabaseSchemaName}.{TableName} (kid, signed_until) values (@kid, @until) " +
            "on conflict (kid) do update set signed_until = greatest(excluded.signed_until, " +
            $"{store.Options.DatabaseSchemaName}.{TableName}.signed_until)", connection, transaction);
        command.Parameters.AddWithValue("kid", kid);
        command.Parameters.AddWithValue("until", RoundUp(expiresAt).UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Raises the key's recorded expiry on a connection of its own: for what a key signed before
    /// Notary had it (an imported key), which no signature log entry here stands for.
    /// </summary>
    public async Task RecordAsync(Guid kid, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RecordAsync(connection, transaction, kid, expiresAt ?? Forever, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<Guid, DateTimeOffset>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select kid, signed_until from {store.Options.DatabaseSchemaName}.{TableName}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<Guid, DateTimeOffset>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetGuid(0)] = new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero);
        }

        return result;
    }

    private static DateTimeOffset RoundUp(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        if (utc >= Forever)
        {
            return Forever;
        }

        var hour = new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
        return hour == utc ? hour : hour.AddHours(1);
    }
}
