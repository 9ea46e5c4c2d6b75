using System.Text.RegularExpressions;
using Ledger.Testing;
using Npgsql;

namespace Ledger.Benchmarks.Harness;

/// <summary>
/// The SQL statements a run's databases executed during a measured window, from PostgreSQL's
/// pg_stat_statements (counted as each statement ends, so nothing lags): how many per operation, in
/// which service's database, and which ones. Statements a service sends in one batch count one each;
/// <c>BEGIN</c> and <c>COMMIT</c> count as statements, so commits show up among them. Unmeasured (null)
/// when the server does not load the extension: <c>infra/up.sh</c> loads it on the native path and
/// docker-compose.yml in its container.
/// </summary>
public sealed partial class StatementMeter(string serverConnectionString, string databaseFamily)
{
    private Dictionary<(string Database, string Query), StatementTally>? _start;

    public async Task StartAsync() => _start = await SnapshotAsync();

    /// <summary>The statements since <see cref="StartAsync"/>, or null when pg_stat_statements is not available.</summary>
    public async Task<StatementWork?> StopAsync()
    {
        var end = await SnapshotAsync();
        if (end is null || _start is null)
        {
            return null;
        }

        var window = new Dictionary<(string, string), StatementTally>();
        foreach (var (key, now) in end)
        {
            var before = _start.GetValueOrDefault(key);
            var calls = now.Calls - (before?.Calls ?? 0);
            if (calls > 0)
            {
                window[key] = new StatementTally(calls, now.ExecutionMilliseconds - (before?.ExecutionMilliseconds ?? 0));
            }
        }

        return new StatementWork(window);
    }

    private async Task<Dictionary<(string, string), StatementTally>?> SnapshotAsync()
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        try
        {
            return await ReadAsync(connection);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Loaded by the server but not created in this database: a superuser (the container's ledger) may create it.
            try
            {
                await using var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection);
                await create.ExecuteNonQueryAsync();
                return await ReadAsync(connection);
            }
            catch (PostgresException)
            {
                return null;
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectNotInPrerequisiteState)
        {
            // "pg_stat_statements must be loaded via shared_preload_libraries".
            return null;
        }
    }

    private async Task<Dictionary<(string, string), StatementTally>> ReadAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT d.datname, s.query, s.calls, s.total_exec_time
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = @family OR d.datname LIKE @prefix
            """, connection);
        command.Parameters.AddWithValue("family", databaseFamily);
        command.Parameters.AddWithValue("prefix", DatabaseFamily.LikePrefix(databaseFamily));
        var tallies = new Dictionary<(string, string), StatementTally>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var database = reader.GetString(0);
            var part = database == databaseFamily ? "ledger" : database[(databaseFamily.Length + 1)..];
            // The run's name, wherever a statement spells it, is replaced: the same statement reads the same in every run.
            var key = (part, Normalize(reader.IsDBNull(1) ? "<query text not visible>" : reader.GetString(1)));
            var tally = new StatementTally(reader.GetInt64(2), reader.GetDouble(3));
            tallies[key] = tallies.TryGetValue(key, out var seen) ? seen.Plus(tally) : tally;
        }

        return tallies;
    }

    private string Normalize(string query) =>
        Whitespace().Replace(query, " ").Trim().Replace(databaseFamily, "<run>", StringComparison.Ordinal);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>How often a statement ran and the milliseconds PostgreSQL spent executing it (planning not included).</summary>
public sealed record StatementTally(long Calls, double ExecutionMilliseconds)
{
    public StatementTally Plus(StatementTally other) => new(Calls + other.Calls, ExecutionMilliseconds + other.ExecutionMilliseconds);
}

/// <summary>Statements per (database part, normalized statement text) over one or more windows.</summary>
public sealed record StatementWork(IReadOnlyDictionary<(string Database, string Query), StatementTally> Statements)
{
    public StatementWork Plus(StatementWork? other)
    {
        if (other is null)
        {
            return this;
        }

        var sum = Statements.ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, tally) in other.Statements)
        {
            sum[key] = sum.TryGetValue(key, out var seen) ? seen.Plus(tally) : tally;
        }

        return new StatementWork(sum);
    }

    /// <summary>Statements per database part (the service's database, or "ledger" for the run's own).</summary>
    public IReadOnlyDictionary<string, long> CallsByDatabase() =>
        Statements.GroupBy(p => p.Key.Database).ToDictionary(g => g.Key, g => g.Sum(p => p.Value.Calls));

    /// <summary>The <paramref name="count"/> statements run most often, most first.</summary>
    public IEnumerable<(string Database, string Query, StatementTally Tally)> Top(int count) =>
        Statements.OrderByDescending(p => p.Value.Calls).ThenBy(p => p.Key.Query, StringComparer.Ordinal).Take(count)
            .Select(p => (p.Key.Database, p.Key.Query, p.Value));
}
