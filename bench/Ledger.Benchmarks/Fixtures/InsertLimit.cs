using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Benchmarks.Fixtures;

/// <summary>
/// The limit beside issuance: committing rows of about a license's size (a jsonb document holding a
/// signed license key, as an event row does) with plain Npgsql, one transaction per call, on the
/// same PostgreSQL server the services use, with its default durability (synchronous commit).
/// </summary>
public sealed class InsertLimit : IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource;
    private readonly string document;

    private InsertLimit(NpgsqlDataSource dataSource, string document)
    {
        this.dataSource = dataSource;
        this.document = document;
    }

    /// <summary>Bytes of the document each row carries.</summary>
    public int RowBytes => document.Length;

    public static async Task<InsertLimit> CreateAsync(string connectionString, string licenseKey)
    {
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 100 }.ConnectionString);
        await using (var create = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS bench_license_rows (id uuid PRIMARY KEY, data jsonb NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var document = JsonSerializer.Serialize(new
        {
            customer_id = "customer-00042",
            customer_name = "Customer 00042 GmbH",
            product = "ledger-desktop",
            edition = "enterprise",
            audience = "ledger-desktop",
            capabilities = new[] { "export", "sso", "audit-log" },
            key = licenseKey,
        });
        return new InsertLimit(dataSource, document);
    }

    /// <summary>Inserts <paramref name="rows"/> rows in one statement and commits: one transaction.</summary>
    public async Task<int> InsertAsync(int rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand("INSERT INTO bench_license_rows (id, data) SELECT * FROM unnest(@ids, @documents)", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", Enumerable.Range(0, rows).Select(_ => Guid.CreateVersion7()).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("documents", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { TypedValue = Enumerable.Repeat(document, rows).ToArray() });
        var inserted = await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var drop = dataSource.CreateCommand("DROP TABLE IF EXISTS bench_license_rows"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await dataSource.DisposeAsync();
    }
}
