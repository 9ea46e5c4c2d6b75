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
        // A fixed namespace (0x4c4e = "LN", Ledger Notary) keeps these locks apart from Marten's own.
        var key = (0x4c4eL << 32) | (long)purpose;
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select pg_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new RingLock(connection, key);
        }
        catch
        {
            // A caller that gave up waiting (its deadline passed) gives its connection back to the pool,
            // releasing the lock in case it was granted just as the wait was cancelled.
            try
            {
                await ReleaseAsync(connection, key);
            }
            catch (NpgsqlException)
            {
                // The wait's own failure is what the caller needs; a broken connection leaves the pool and its lock with it.
            }

            throw;
        }
    }

    public ValueTask DisposeAsync() => ReleaseAsync(_connection, _key);

    private static async ValueTask ReleaseAsync(NpgsqlConnection connection, long key)
    {
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var command = new NpgsqlCommand("select pg_advisory_unlock(@key)", connection);
                command.Parameters.AddWithValue("key", key);
                await command.ExecuteNonQueryAsync();
            }
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
