using Marten;
using Npgsql;

namespace Ledger.Notary.Keys;

/// <summary>
/// Serializes changes to one key ring across every Notary replica with a PostgreSQL advisory
/// lock held on a connection of its own, so two rotations can never both succeed.
/// </summary>
public sealed class RingLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly long _key;

    private RingLock(NpgsqlConnection connection, long key)
    {
        _connection = connection;
        _key = key;
    }

    public static async Task<RingLock> AcquireAsync(IDocumentStore store, KeyPurpose purpose, CancellationToken cancellationToken)
    {
        var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        // A fixed namespace (0x4c4e = "LN", Ledger Notary) keeps these locks apart from Marten's own.
        var key = (0x4c4eL << 32) | (long)purpose;
        await using var command = new NpgsqlCommand("select pg_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new RingLock(connection, key);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("select pg_advisory_unlock(@key)", _connection);
            command.Parameters.AddWithValue("key", _key);
            await command.ExecuteNonQueryAsync();
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
