using System.Security.Cryptography;
using Grpc.Net.Client;
using Ledger.NotaryClient;
using Ledger.ClientTokens;

namespace Ledger.Testing.Processes;

/// <summary>
/// The four services running as real processes on free localhost ports, on this fixture's own
/// database, RabbitMQ virtual host and client registry, wired to each other as in production.
/// Any of them can be killed (SIGKILL) and started again. Every process tree is stopped when the
/// fixture is disposed.
/// </summary>
public class LedgerProcesses : IsolatedInfrastructure
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly List<ServiceProcess> _processes = [];

    /// <summary>Set to 1 to keep the services' logs after the fixture is disposed.</summary>
    public const string KeepLogsSetting = "LEDGER_TEST_KEEP_LOGS";

    /// <summary>Where the services' logs go (deleted with the fixture unless <see cref="KeepLogsSetting"/> is 1).</summary>
    public string LogDirectory { get; } = Directory.CreateTempSubdirectory("ledger-processes-").FullName;

    public string NotaryRootKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public ServiceProcess Notary { get; private set; } = null!;

    public ServiceProcess Issuance { get; private set; } = null!;

    public ServiceProcess Revocation { get; private set; } = null!;

    public ServiceProcess Attestation { get; private set; } = null!;

    /// <summary>A channel to <paramref name="service"/> whose calls carry fresh tokens of <paramref name="client"/> (the admin by default).</summary>
    public GrpcChannel Channel(ServiceProcess service, string client = TestClients.Admin) =>
        service.Channel(() => Clients.Mint(client, service.Name));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await BeforeStartAsync();
        Notary = Start("Ledger.Notary", "notary", new() { ["Ledger:Notary:RootKey"] = NotaryRootKey, ["Ledger:Notary:SweepSeconds"] = "1" });
        await Notary.WaitUntilReadyAsync(StartTimeout);
        var notaryUrl = new Dictionary<string, string?> { [NotaryClients.UrlSetting] = Notary.GrpcUrl };
        // Revocation first, its queues bound, before Issuance publishes: it learns Issuance's events from
        // RabbitMQ, and asks Issuance (at a port chosen now) only for any its queues missed.
        var (issuancePort, attestationPort) = (FreePorts.Next(), FreePorts.Next());
        Revocation = Start("Ledger.Revocation", "revocation", new(notaryUrl)
        {
            ["Ledger:Issuance:Url"] = $"http://127.0.0.1:{issuancePort}", ["Ledger:Attestation:Url"] = $"http://127.0.0.1:{attestationPort}",
        });
        Attestation = Start("Ledger.Attestation", "attestation", notaryUrl, attestationPort);
        await Revocation.WaitUntilPublishingAsync(StartTimeout);
        Issuance = Start("Ledger.Issuance", "issuance", new(notaryUrl) { ["Ledger:Revocation:Url"] = Revocation.GrpcUrl }, issuancePort);
        await Task.WhenAll(Issuance.WaitUntilReadyAsync(StartTimeout), Revocation.WaitUntilReadyAsync(StartTimeout), Attestation.WaitUntilReadyAsync(StartTimeout));
    }

    /// <summary>Runs after the database, virtual host and client registry exist, before any service starts.</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    /// <summary>The settings a service of this fixture starts with (the base settings and its client key).</summary>
    protected virtual Dictionary<string, string?> SettingsFor(string service, Dictionary<string, string?> extra)
    {
        var settings = Settings;
        settings[OutgoingClientTokens.KeyFileSetting] = Clients.KeyFile(service);
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    public override async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (Environment.GetEnvironmentVariable(KeepLogsSetting) == "1")
        {
            Console.Error.WriteLine($"Service logs kept in {LogDirectory} ({KeepLogsSetting}=1).");
        }
        else
        {
            Directory.Delete(LogDirectory, recursive: true);
        }
        await base.DisposeAsync();
    }

    private ServiceProcess Start(string project, string service, Dictionary<string, string?> extra, int? grpcPort = null)
    {
        var process = ServiceProcess.Start(service, project, SettingsFor(service, extra), Path.Combine(LogDirectory, $"{service}.log"), grpcPort);
        _processes.Add(process);
        return process;
    }
}
