using System.Net.Http.Headers;
using System.Text;
using System.Diagnostics;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Containers;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Ledger.Testing;

/// <summary>
/// Where the tests' PostgreSQL and RabbitMQ are. `make test` starts them with infra/up.sh and
/// passes their addresses in LEDGER_TEST_POSTGRES, LEDGER_TEST_RABBITMQ and
/// LEDGER_TEST_RABBITMQ_MANAGEMENT; without those, Testcontainers starts both once per test run,
/// from the official images or from LEDGER_TEST_POSTGRES_IMAGE and LEDGER_TEST_RABBITMQ_IMAGE
/// (the local images of infra/images/ where no registry answers), and removes them when the
/// test process exits. Each test class then takes a database and a virtual host of its own, so
/// classes run in parallel and never see each other's data.
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

    /// <summary>The images Testcontainers starts: the official ones unless the environment names others.</summary>
    private static (string Postgres, string RabbitMq) ContainerImages() =>
        (Environment.GetEnvironmentVariable("LEDGER_TEST_POSTGRES_IMAGE") is { Length: > 0 } postgres ? postgres : "postgres:16-alpine",
         Environment.GetEnvironmentVariable("LEDGER_TEST_RABBITMQ_IMAGE") is { Length: > 0 } rabbit ? rabbit : "rabbitmq:3.13-management");

    // Ports published on 127.0.0.1 only; no graceful stop for a throwaway server, so removing
    // both fits in the moments a test process has when it exits.
    private const string Loopback = "127.0.0.1";

    // A test host is killed moments after ProcessExit, too soon for a stop and a removal through
    // the API: a `docker rm` of its own outlives it. Without the docker CLI, the API as time allows.
    private static void RemoveAtExit(params IContainer[] containers)
    {
        var ids = containers.Select(c => c.Id).Where(id => !string.IsNullOrEmpty(id)).ToList();
        if (ids.Count == 0)
        {
            return;
        }

        try
        {
            var remove = new ProcessStartInfo("sh") { UseShellExecute = false };
            foreach (var arg in new[] { "-c", "docker rm -f -v \"$@\" >/dev/null 2>&1", "sh" }.Concat(ids))
            {
                remove.ArgumentList.Add(arg);
            }

            Process.Start(remove);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Task.WhenAll(containers.Select(c => c.DisposeAsync().AsTask())).Wait(TimeSpan.FromSeconds(30));
        }
    }

    private static void Disposable(CreateContainerParameters container)
    {
        container.StopSignal = "SIGKILL";
        foreach (var binding in container.HostConfig?.PortBindings?.Values.SelectMany(b => b) ?? [])
        {
            binding.HostIP = Loopback;
        }
    }

    private static async Task<LedgerInfrastructure> StartContainersAsync()
    {
        var images = ContainerImages();
        var run = Environment.GetEnvironmentVariable("LEDGER_TEST_CONTAINER_LABEL") is { Length: > 0 } label ? label : "local";
        var postgres = new PostgreSqlBuilder(images.Postgres)
            .WithCommand("-c", "max_connections=400")
            .WithLabel("org.ledger.test-run", run).WithCreateParameterModifier(Disposable).Build();
        var rabbit = new RabbitMqBuilder(images.RabbitMq)
            .WithUsername("ledger").WithPassword("ledger").WithPortBinding(15672, true)
            .WithLabel("org.ledger.test-run", run).WithCreateParameterModifier(Disposable).Build();
        // Testcontainers' reaper (Ryuk) is itself an image to pull; where it is turned off
        // (TESTCONTAINERS_RYUK_DISABLED=true, no registry), the process removes its containers.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveAtExit(postgres, rabbit);
        try
        {
            await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "Tests need PostgreSQL and RabbitMQ. Run them through `make test` (which starts both with infra/up.sh), " +
                "or set LEDGER_TEST_POSTGRES, LEDGER_TEST_RABBITMQ and LEDGER_TEST_RABBITMQ_MANAGEMENT, " +
                $"or give Testcontainers a Docker engine that has or can pull {images.Postgres} and {images.RabbitMq} " +
                "(without a registry: infra/images/build.sh, then LEDGER_TEST_POSTGRES_IMAGE=ledger-local/postgres:15, " +
                "LEDGER_TEST_RABBITMQ_IMAGE=ledger-local/rabbitmq:3-management and TESTCONTAINERS_RYUK_DISABLED=true). " +
                "Starting containers failed: " + e.Message, e);
        }

        // The ports are published on 127.0.0.1 (Disposable), whatever address Testcontainers would guess.
        var database = new NpgsqlConnectionStringBuilder(postgres.GetConnectionString()) { Host = Loopback }.ConnectionString;
        var amqp = new UriBuilder(rabbit.GetConnectionString()) { Host = Loopback }.Uri;
        var management = new UriBuilder("http", Loopback, rabbit.GetMappedPublicPort(15672)) { UserName = "ledger", Password = "ledger" }.Uri;
        return new LedgerInfrastructure(database, amqp, management);
    }
}
