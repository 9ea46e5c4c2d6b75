using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Ledger.Testing;

/// <summary>
/// Where the tests' PostgreSQL and RabbitMQ are. `make test` starts them with infra/up.sh and
/// passes their addresses in LEDGER_TEST_POSTGRES, LEDGER_TEST_RABBITMQ and
/// LEDGER_TEST_RABBITMQ_MANAGEMENT; without those, Testcontainers starts both once per test run.
/// Each test class then takes a database and a virtual host of its own, so classes run in
/// parallel and never see each other's data.
/// </summary>
public sealed class LedgerInfrastructure
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static LedgerInfrastructure? _current;

    private LedgerInfrastructure(string postgres, Uri rabbitMq, Uri management)
    {
        PostgresAdmin = postgres;
        RabbitMq = rabbitMq;
        RabbitMqManagement = management;
    }

    /// <summary>Connection string of a role allowed to create databases.</summary>
    public string PostgresAdmin { get; }

    /// <summary>amqp:// URI with credentials, default virtual host.</summary>
    public Uri RabbitMq { get; }

    /// <summary>http:// URI of the RabbitMQ management API, with credentials.</summary>
    public Uri RabbitMqManagement { get; }

    public static async Task<LedgerInfrastructure> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _current ??= await FromEnvironment() ?? await StartContainersAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    public async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = $"ledger_test_{Guid.NewGuid():N}"[..32];
        await using (var connection = new NpgsqlConnection(PostgresAdmin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name };
        return new TestDatabase(this, name, builder.ConnectionString);
    }

    public async Task<TestVirtualHost> CreateVirtualHostAsync()
    {
        var name = $"ledger-test-{Guid.NewGuid():N}";
        using var http = ManagementClient();
        var user = Uri.UnescapeDataString(RabbitMq.UserInfo.Split(':')[0]);
        (await http.PutAsync($"api/vhosts/{name}", Json("{}"))).EnsureSuccessStatusCode();
        (await http.PutAsync($"api/permissions/{name}/{Uri.EscapeDataString(user)}",
            Json("""{"configure":".*","write":".*","read":".*"}"""))).EnsureSuccessStatusCode();
        return new TestVirtualHost(this, name, new UriBuilder(RabbitMq) { Path = "/" + name }.Uri);
    }

    /// <summary>Drops the class's database and every per-service database made from it (<c>&lt;name&gt;_&lt;service&gt;</c>).</summary>
    internal Task DropDatabaseAsync(string name) => DatabaseDropper.DropFamilyAsync(PostgresAdmin, name);

    internal async Task DeleteVirtualHostAsync(string name)
    {
        using var http = ManagementClient();
        await http.DeleteAsync($"api/vhosts/{name}");
    }

    internal HttpClient ManagementClient()
    {
        var credentials = Uri.UnescapeDataString(RabbitMqManagement.UserInfo);
        var http = new HttpClient { BaseAddress = new UriBuilder(RabbitMqManagement) { UserName = "", Password = "", Path = "/" }.Uri };
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return http;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Task<LedgerInfrastructure?> FromEnvironment()
    {
        var postgres = Environment.GetEnvironmentVariable("LEDGER_TEST_POSTGRES");
        var rabbit = Environment.GetEnvironmentVariable("LEDGER_TEST_RABBITMQ");
        var management = Environment.GetEnvironmentVariable("LEDGER_TEST_RABBITMQ_MANAGEMENT");
        if (string.IsNullOrWhiteSpace(postgres) || string.IsNullOrWhiteSpace(rabbit) || string.IsNullOrWhiteSpace(management))
        {
            return Task.FromResult<LedgerInfrastructure?>(null);
        }

        return Task.FromResult<LedgerInfrastructure?>(new LedgerInfrastructure(postgres, new Uri(rabbit), new Uri(management)));
    }

    private static async Task<LedgerInfrastructure> StartContainersAsync()
    {
        var postgres = new PostgreSqlBuilder("postgres:16-alpine")
            .WithCommand("-c", "max_connections=400").Build();
        var rabbit = new RabbitMqBuilder("rabbitmq:3.13-management")
            .WithUsername("ledger").WithPassword("ledger").WithPortBinding(15672, true).Build();
        try
        {
            await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "Tests need PostgreSQL and RabbitMQ. Run them through `make test` (which starts both with infra/up.sh), " +
                "or set LEDGER_TEST_POSTGRES, LEDGER_TEST_RABBITMQ and LEDGER_TEST_RABBITMQ_MANAGEMENT, " +
                "or give Testcontainers a Docker engine. Starting containers failed: " + e.Message, e);
        }

        var amqp = new Uri(rabbit.GetConnectionString());
        var management = new UriBuilder("http", rabbit.Hostname, rabbit.GetMappedPublicPort(15672)) { UserName = "ledger", Password = "ledger" }.Uri;
        return new LedgerInfrastructure(postgres.GetConnectionString(), amqp, management);
    }
}
