using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;

namespace Ledger.Testing.Processes;

/// <summary>
/// One service host running as a real process (the built host, as <c>make run</c> starts it) on
/// fixed localhost ports chosen once, so it can be killed with SIGKILL and started again at the
/// same addresses while clients keep their channels. Settings reach it as environment variables
/// (never on the command line, where other users could read them). Its output goes to a log file
/// that survives restarts.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly StreamWriter _log;
    private Process? _process;

    private ServiceProcess(string name, string project, IReadOnlyDictionary<string, string?> settings, string logFile, int? grpcPort)
    {
        Name = name;
        Project = project;
        _settings = settings;
        LogFile = logFile;
        _log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var (httpPort, metricsPort) = (FreePorts.Next(), FreePorts.Next());
        GrpcUrl = $"http://127.0.0.1:{grpcPort ?? FreePorts.Next()}";
        HttpUrl = $"http://127.0.0.1:{httpPort}";
        MetricsUrl = $"http://127.0.0.1:{metricsPort}";
    }

    /// <summary>The service's name: its client id and the audience of tokens for it ("issuance").</summary>
    public string Name { get; }

    public string Project { get; }

    public string GrpcUrl { get; }

    public string HttpUrl { get; }

    /// <summary>Where the service serves /metrics (its metrics port, apart from the public ones).</summary>
    public string MetricsUrl { get; }

    public string LogFile { get; }

    /// <summary>How many times the process has been started (1 after <see cref="Start"/>).</summary>
    public int Starts { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The operating system's id of the running process (null when it is not running): the benchmarks read its CPU time from /proc.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>
    /// Starts <paramref name="project"/> (e.g. "Ledger.Issuance") with these settings (configuration keys, "A:B"),
    /// its gRPC endpoint on <paramref name="grpcPort"/> when another service must know it first (else a free port).
    /// </summary>
    public static ServiceProcess Start(string name, string project, IReadOnlyDictionary<string, string?> settings, string logFile, int? grpcPort = null)
    {
        var service = new ServiceProcess(name, project, settings, logFile, grpcPort);
        service.Launch();
        return service;
    }

    /// <summary>Starts the process again at the same ports, after <see cref="KillAsync"/>.</summary>
    public void Restart()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Project} is still running; kill it first.");
        }

        Launch();
    }

    /// <summary>SIGKILL, the whole process tree: no shutdown hooks, no flushing, as a crash or OOM kill.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(bounded.Token);
            Write($"---- killed (SIGKILL) at {DateTimeOffset.UtcNow:O} ----");
        }
    }

    /// <summary>Waits for /health/ready: the service answers requests (PostgreSQL reachable).</summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout) => WaitUntilHealthyAsync("/health/ready", timeout);

    /// <summary>Waits for /health/publishing: connected to RabbitMQ, every queue consuming.</summary>
    public Task WaitUntilPublishingAsync(TimeSpan timeout) => WaitUntilHealthyAsync("/health/publishing", timeout);

    private async Task WaitUntilHealthyAsync(string path, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process is null || _process.HasExited)
            {
                throw new InvalidOperationException($"{Project} exited with {_process?.ExitCode} while starting. Its log ({LogFile}):\n{Tail()}");
            }

            try
            {
                if ((await http.GetAsync(new Uri($"{HttpUrl}{path}"))).StatusCode == HttpStatusCode.OK)
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

    /// <summary>A gRPC channel (h2c) to this service; every call carries a fresh token from <paramref name="token"/>.</summary>
    public GrpcChannel Channel(Func<string> token) => TokenChannel.For(GrpcUrl, token);

    /// <summary>The log so far, line by line (read while the process may still be writing it).</summary>
    public string[] ReadLog()
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }

    /// <summary>The last lines of the log, for failure messages.</summary>
    public string Tail(int lines = 40) => Describe(log => string.Join('\n', log.TakeLast(lines)));

    /// <summary>
    /// The log's errors (from categories starting with <paramref name="category"/>) with the lines
    /// that follow each (their stack traces), for failure messages.
    /// </summary>
    public string Failures(string category = "", int maxLines = 200) => Describe(lines =>
    {
        var picked = new List<string>();
        for (var i = 0; i < lines.Length && picked.Count < maxLines; i++)
        {
            if ((lines[i].StartsWith("fail: ", StringComparison.Ordinal) || lines[i].StartsWith("crit: ", StringComparison.Ordinal))
                && lines[i][6..].StartsWith(category, StringComparison.Ordinal))
            {
                picked.AddRange(lines.Skip(i).Take(25));
            }
        }

        return string.Join('\n', picked.Take(maxLines));
    });

    private string Describe(Func<string[], string> summarize)
    {
        try
        {
            return summarize(ReadLog());
        }
        catch (IOException e)
        {
            return $"(log unreadable: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        await _log.DisposeAsync();
    }

    private void Launch()
    {
        var dll = BuildOutput.Service(Project);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = GrpcUrl;
        start.Environment["Kestrel__Endpoints__Http__Url"] = HttpUrl;
        start.Environment["Kestrel__Endpoints__Metrics__Url"] = MetricsUrl;
        foreach (var (key, value) in _settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        _process?.Dispose();
        Starts++;
        Write($"---- start {Starts} at {DateTimeOffset.UtcNow:O} ----");
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }
    }
}
