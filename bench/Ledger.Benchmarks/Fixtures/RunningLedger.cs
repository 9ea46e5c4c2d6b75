using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Testing.Processes;

namespace Ledger.Benchmarks.Fixtures;

/// <summary>
/// The four services as real processes (the Release hosts this build made) on free localhost ports,
/// on a database and RabbitMQ virtual host of their own (Ledger.Testing's <see cref="LedgerProcesses"/>),
/// with gRPC clients whose every call carries a fresh client token (one-time jti).
/// </summary>
public sealed class RunningLedger : IAsyncDisposable
{
    private readonly LedgerProcesses processes;

    private RunningLedger(LedgerProcesses processes)
    {
        this.processes = processes;
        Licenses = new Licenses.LicensesClient(processes.Channel(processes.Issuance));
        Revocations = new Revocations.RevocationsClient(processes.Channel(processes.Revocation));
    }

    public LedgerProcesses Processes => processes;

    public Licenses.LicensesClient Licenses { get; }

    public Revocations.RevocationsClient Revocations { get; }

    /// <summary>The PostgreSQL database the services derive theirs from: the limits write here, on the same server.</summary>
    public string DatabaseConnectionString => processes.Database.ConnectionString;

    public static async Task<RunningLedger> StartAsync()
    {
        var processes = new LedgerProcesses();
        try
        {
            await processes.InitializeAsync();
        }
        catch (Exception starting)
        {
            try
            {
                await processes.DisposeAsync();
            }
            catch (Exception cleaning)
            {
                throw new AggregateException("The ledger did not start, and cleaning up after it failed too.", starting, cleaning);
            }

            throw;
        }

        return new RunningLedger(processes);
    }

    /// <summary>Terms as a billing system would send them: a customer of a few thousand, a year's license.</summary>
    public static LicenseTerms Terms(int i) => new()
    {
        CustomerId = $"customer-{i % 5_000:D5}",
        CustomerName = $"Customer {i % 5_000:D5} GmbH",
        CustomerContact = $"licensing+{i % 5_000}@example.com",
        Product = "ledger-desktop",
        Edition = "enterprise",
        Audience = "ledger-desktop",
        DurationDays = 365,
        Capabilities = { "export", "sso", "audit-log" },
    };

    public async ValueTask DisposeAsync() => await processes.DisposeAsync();
}
