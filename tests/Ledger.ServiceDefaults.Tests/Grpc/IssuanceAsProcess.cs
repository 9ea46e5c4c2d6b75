using Ledger.NotaryClient;
using Ledger.ClientTokens;
using Ledger.Testing;
using Ledger.Testing.Processes;

namespace Ledger.ServiceDefaults.Tests.Grpc;

/// <summary>
/// Notary and Issuance as real processes (Kestrel, h2c on a free localhost port), for clients
/// that speak HTTP/2 themselves: raw frames, or a client written in another language.
/// </summary>
public sealed class IssuanceAsProcess : IsolatedInfrastructure
{
    private readonly string _logs = Directory.CreateTempSubdirectory("ledger-issuance-process-").FullName;
    private ServiceProcess? _notary;

    public ServiceProcess Issuance { get; private set; } = null!;

    /// <summary>A fresh admin token for Issuance: every call needs its own (each jti is accepted once).</summary>
    public string Token() => Clients.Mint(TestClients.Admin, Issuance.Name);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _notary = Start("notary", "Ledger.Notary", new() { ["Ledger:Notary:RootKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) });
        await _notary.WaitUntilReadyAsync(LedgerProcesses.StartTimeout);
        Issuance = Start("issuance", "Ledger.Issuance", new() { [NotaryClients.UrlSetting] = _notary.GrpcUrl });
        await Issuance.WaitUntilReadyAsync(LedgerProcesses.StartTimeout);
    }

    public override async Task DisposeAsync()
    {
        if (Issuance is not null)
        {
            await Issuance.DisposeAsync();
        }

        if (_notary is not null)
        {
            await _notary.DisposeAsync();
        }

        Directory.Delete(_logs, recursive: true);
        await base.DisposeAsync();
    }

    private ServiceProcess Start(string service, string project, Dictionary<string, string?> extra)
    {
        var settings = Settings;
        settings[OutgoingClientTokens.KeyFileSetting] = Clients.KeyFile(service);
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return ServiceProcess.Start(service, project, settings, Path.Combine(_logs, $"{service}.log"));
    }
}
