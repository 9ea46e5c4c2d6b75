using Ledger.Testing;
using Npgsql;

namespace Ledger.Benchmarks.Fixtures;

/// <summary>
/// A deployment database name of its own on the configured PostgreSQL server (ConnectionStrings__Ledger,
/// as infra/env.sh sets it), so a scenario never touches another run's or a developer's data. Services
/// add their suffix (<c>&lt;database&gt;_issuance</c>); every database with this prefix is dropped on dispose.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private const string DefaultServer = "Host=127.0.0.1;Port=5432;Database=ledger;Username=ledger;Password=ledger";

    private BenchDatabase(string server, string name)
    {
        Server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>The server's connection string as configured (its maintenance database).</summary>
    public string Server { get; }

    /// <summary>The deployment database name services derive theirs from.</summary>
    public string Name { get; }

    /// <summary>The configured connection string with <see cref="Name"/> as its database: what services are given.</summary>
    public string ConnectionString { get; }

    public static BenchDatabase Create(string scenario)
    {
        var server = Environment.GetEnvironmentVariable("ConnectionStrings__Ledger") is { Length: > 0 } configured ? configured : DefaultServer;
        return new BenchDatabase(server, $"bench_{scenario.Replace('-', '_')}_{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>The connection string of one service's database (<c>&lt;name&gt;_&lt;service&gt;</c>).</summary>
    public string ServiceDatabase(string service) =>
        new NpgsqlConnectionStringBuilder(Server) { Database = $"{Name}_{service}" }.ConnectionString;

    /// <summary>Creates one service's database, as the service would on its first start.</summary>
    public async Task<string> CreateServiceDatabaseAsync(string service)
    {
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}_{service}\"", connection);
        await create.ExecuteNonQueryAsync();
        return ServiceDatabase(service);
    }

    public ValueTask DisposeAsync() => new(DatabaseDropper.DropFamilyAsync(Server, Name));
}
