using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Ledger.ServiceDefaults.Notary;
using Ledger.Testing;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// The four services running as real processes (the built hosts, as <c>make run</c> starts them) on
/// free localhost ports, on this fixture's own database, RabbitMQ virtual host and client registry,
/// so ledgerctl can reach them over h2c like a user does. Stopped (the whole process tree) when the
/// fixture is disposed.
/// </summary>
public sealed class RunningLedger : IsolatedInfrastructure
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly List<ServiceProcess> _processes = [];
    private readonly Workspace _workspace = new();

    public ServiceProcess Notary { get; private set; } = null!;

    public ServiceProcess Issuance { get; private set; } = null!;

    public ServiceProcess Revocation { get; private set; } = null!;

    public ServiceProcess Attestation { get; private set; } = null!;

    /// <summary>A client made by <c>ledgerctl keygen client</c> and registered with the auditor role only.</summary>
    public string AuditorKeyFile => _workspace[$"{CliAuditor}-client.private.jwk"];

    public const string CliAuditor = "cli-auditor";

    /// <summary>ledgerctl pointed at these services, calling as the admin client (every role).</summary>
    public Ledgerctl Tool(Workspace workspace) => new Ledgerctl(workspace.Directory)
        .With("LEDGER_NOTARY_URL", Notary.GrpcUrl)
        .With("LEDGER_ISSUANCE_URL", Issuance.GrpcUrl)
        .With("LEDGER_REVOCATION_URL", Revocation.GrpcUrl)
        .With("LEDGER_ATTESTATION_URL", Attestation.GrpcUrl)
        .With("LEDGER_CLIENT_KEY", Clients.KeyFile(TestClients.Admin));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await RegisterCliAuditorAsync();
        var rootKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Notary = Start("Ledger.Notary", "notary", new() { ["Ledger:Notary:RootKey"] = rootKey, ["Ledger:Notary:SweepSeconds"] = "1" });
        await Notary.WaitUntilReadyAsync(StartTimeout);
        var notaryUrl = new Dictionary<string, string?> { [NotaryClients.UrlSetting] = Notary.GrpcUrl };
        Issuance = Start("Ledger.Issuance", "issuance", notaryUrl);
        Revocation = Start("Ledger.Revocation", "revocation", notaryUrl);
        Attestation = Start("Ledger.Attestation", "attestation", notaryUrl);
        await Task.WhenAll(Issuance.WaitUntilReadyAsync(StartTimeout), Revocation.WaitUntilReadyAsync(StartTimeout), Attestation.WaitUntilReadyAsync(StartTimeout));
    }

    /// <summary>Adds a client key made by the tool itself to the registry the services read at start.</summary>
    private async Task RegisterCliAuditorAsync()
    {
        var made = (await _workspace.RunAsync("keygen", "client", CliAuditor, "-o", "json")).Expect(0);
        var entry = made.Json["registration"]!.AsObject();
        entry["roles"] = new JsonArray("auditor");
        var registry = JsonNode.Parse(await File.ReadAllTextAsync(Clients.RegistryFile))!;
        registry["clients"]!.AsArray().Add(entry.DeepClone());
        await File.WriteAllTextAsync(Clients.RegistryFile, registry.ToJsonString());
    }

    public override async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _workspace.Dispose();
        await base.DisposeAsync();
    }

    private ServiceProcess Start(string project, string service, Dictionary<string, string?> extra)
    {
        var settings = Settings;
        settings["Ledger:Auth:ClientKeyFile"] = Clients.KeyFile(service);
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var process = ServiceProcess.Start(project, settings, _workspace[$"{service}.log"]);
        _processes.Add(process);
        return process;
    }

    /// <summary>One service host process with its gRPC and HTTP ports and its log file.</summary>
    public sealed class ServiceProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private ServiceProcess(Process process, string project, int grpcPort, int httpPort, string logFile)
        {
            _process = process;
            Project = project;
            GrpcUrl = $"http://127.0.0.1:{grpcPort}";
            HttpUrl = $"http://127.0.0.1:{httpPort}";
            LogFile = logFile;
        }

        public string Project { get; }

        public string GrpcUrl { get; }

        public string HttpUrl { get; }

        public string LogFile { get; }

        public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string?> settings, string logFile)
        {
            var (grpcPort, httpPort) = (FreePort(), FreePort());
            var dll = BuildOutput.Service(project);
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = Path.GetDirectoryName(dll)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(dll);
            start.ArgumentList.Add($"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{grpcPort}");
            start.ArgumentList.Add($"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{httpPort}");
            foreach (var (key, value) in settings)
            {
                start.ArgumentList.Add($"--{key}={value}");
            }

            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
            var process = Process.Start(start)!;
            var log = new StreamWriter(logFile) { AutoFlush = true };
            process.OutputDataReceived += (_, e) => Write(log, e.Data);
            process.ErrorDataReceived += (_, e) => Write(log, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new ServiceProcess(process, project, grpcPort, httpPort, logFile);
        }

        public async Task WaitUntilReadyAsync(TimeSpan timeout)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"{Project} exited with {_process.ExitCode} while starting. Its log ({LogFile}):\n{Tail()}");
                }

                try
                {
                    if ((await http.GetAsync(new Uri($"{HttpUrl}/health/ready"))).StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Listening but not answering yet.
                }

                await Task.Delay(250);
            }

            throw new TimeoutException($"{Project} was not ready within {timeout}. Its log ({LogFile}):\n{Tail()}");
        }

        public string Tail()
        {
            try
            {
                using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(40));
            }
            catch (IOException e)
            {
                return $"(log unreadable: {e.Message})";
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _process.WaitForExitAsync(bounded.Token);
            }

            _process.Dispose();
        }

        private static void Write(StreamWriter log, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.WriteLine(line);
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}

/// <summary>The online test classes share one running ledger: starting four hosts per class would cost more than the tests.</summary>
[CollectionDefinition(Name)]
public sealed class RunningLedgerCollection : ICollectionFixture<RunningLedger>
{
    public const string Name = "running ledger";
}
