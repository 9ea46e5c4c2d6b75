namespace Ledger.Testing;

/// <summary>A PostgreSQL database of one test class's own, dropped when the class is done.</summary>
public sealed class TestDatabase(LedgerInfrastructure infrastructure, string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public ValueTask DisposeAsync() => new(infrastructure.DropDatabaseAsync(Name));
}
