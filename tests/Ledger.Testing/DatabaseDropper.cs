using Npgsql;

namespace Ledger.Testing;

/// <summary>
/// Drops a family of databases (a name and every <c>&lt;name&gt;_&lt;service&gt;</c> made from it)
/// whatever PostgreSQL's own workers are doing. <c>DROP DATABASE ... WITH (FORCE)</c> ends the
/// sessions in the database, but a role that may not signal an autovacuum worker gets 42501
/// (infra/up.sh grants <c>pg_signal_backend</c> for that), and a worker that starts between the
/// termination and the drop gives 55006. Both are waited out and retried for up to a minute.
/// </summary>
public static class DatabaseDropper
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    public static async Task DropFamilyAsync(string serverConnectionString, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        var databases = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname = @name OR datname LIKE @prefix", connection))
        {
            list.Parameters.AddWithValue("name", name);
            list.Parameters.AddWithValue("prefix", DatabaseFamily.LikePrefix(name));
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                databases.Add(reader.GetString(0));
            }
        }

        foreach (var database in databases)
        {
            await DropAsync(connection, database);
        }
    }

    private static async Task DropAsync(NpgsqlConnection connection, string database)
    {
        var deadline = DateTime.UtcNow + Patience;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse
                                              && DateTime.UtcNow < deadline)
            {
                // An autovacuum worker is in the database: it finishes or is cancelled within moments.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)));
            }
        }
    }
}
