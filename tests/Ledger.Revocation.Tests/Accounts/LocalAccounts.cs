using System.Diagnostics;
using Ledger.Testing;
using Ledger.Testing.Processes;
using Npgsql;

namespace Ledger.Revocation.Tests.Accounts;

/// <summary>
/// The per-service accounts of a local ledger of the test's own, made by the script `make run`
/// runs (infra/accounts.sh create): PostgreSQL roles and databases ledger_&lt;instance&gt;_&lt;service&gt;,
/// RabbitMQ users ledger-&lt;instance&gt;-&lt;service&gt; on the virtual host ledger-&lt;instance&gt;, and the
/// services' connection strings it writes. Removed again (databases, roles, users, virtual host)
/// when disposed.
/// </summary>
public sealed class LocalAccounts : IAsyncDisposable
{
    private readonly LedgerInfrastructure _infrastructure;
    private readonly string _state;

    private LocalAccounts(LedgerInfrastructure infrastructure, string state, string instance)
    {
        _infrastructure = infrastructure;
        _state = state;
        Instance = instance;
    }

    public string Instance { get; }

    public string VirtualHost => $"ledger-{Instance}";

    public static async Task<LocalAccounts> CreateAsync(LedgerInfrastructure infrastructure)
    {
        var state = Directory.CreateTempSubdirectory("ledger-accounts-").FullName;
        var accounts = new LocalAccounts(infrastructure, state, "t" + Guid.NewGuid().ToString("N")[..10]);
        await accounts.RunAsync("create");
        return accounts;
    }

    /// <summary>The settings the script wrote for the service (ConnectionStrings:Ledger and ConnectionStrings:RabbitMq).</summary>
    public IReadOnlyDictionary<string, string> SettingsOf(string service) =>
        File.ReadAllLines(Path.Combine(_state, "accounts", service + ".env"))
            .Where(line => line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Replace("__", ":", StringComparison.Ordinal), pair => pair[1]);

    public string PostgresOf(string service) => SettingsOf(service)["ConnectionStrings:Ledger"];

    public Uri RabbitMqOf(string service) => new(SettingsOf(service)["ConnectionStrings:RabbitMq"]);

    /// <summary>The service's connection string with another database of the deployment named.</summary>
    public string PostgresOf(string service, string databaseOf) =>
        new NpgsqlConnectionStringBuilder(PostgresOf(service)) { Database = $"ledger_{Instance}_{databaseOf}" }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DatabaseDropper.DropFamilyAsync(_infrastructure.PostgresAdmin, $"ledger_{Instance}");
            await RunAsync("remove");
        }
        finally
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    private async Task RunAsync(string action)
    {
        var postgres = new NpgsqlConnectionStringBuilder(_infrastructure.PostgresAdmin);
        var start = new ProcessStartInfo(Path.Combine(BuildOutput.Root, "infra", "accounts.sh"), [action, _state, Instance])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["LEDGER_PG_PORT"] = postgres.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LEDGER_RABBITMQ_PORT"] = (_infrastructure.RabbitMq.IsDefaultPort ? 5672 : _infrastructure.RabbitMq.Port).ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LEDGER_RABBITMQ_MANAGEMENT_PORT"] = _infrastructure.RabbitMqManagement.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(bounded.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"infra/accounts.sh {action} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }
}
