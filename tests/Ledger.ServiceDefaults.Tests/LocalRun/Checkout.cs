using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Ledger.Testing.Processes;

namespace Ledger.ServiceDefaults.Tests.LocalRun;

/// <summary>
/// Another checkout of the project on this machine: a directory of its own with the Makefile and
/// infra/ scripts copied, and the built services and tool linked in (building them again would
/// only cost minutes). Its local ledger (.ledger/, databases, virtual host) is its own, as a
/// second clone's is. `make run` and `make reset` run in it as a user runs them, from a shell
/// without the test run's settings, on a port range of its own.
/// </summary>
public sealed class Checkout : IAsyncDisposable
{
    private Checkout(string root, int portBase)
    {
        Root = root;
        PortBase = portBase;
    }

    public string Root { get; }

    public int PortBase { get; }

    public string StateDirectory => Path.Combine(Root, ".ledger");

    /// <summary>The instance id `make run` created for this checkout's local ledger (null before the first run).</summary>
    public string? Instance => File.Exists(Path.Combine(StateDirectory, "instance")) ? File.ReadAllText(Path.Combine(StateDirectory, "instance")).Trim() : null;

    public static Checkout Create()
    {
        var root = Directory.CreateTempSubdirectory("ledger-checkout-").FullName;
        var source = BuildOutput.Root;
        CopyDirectory(Path.Combine(source, "infra"), Path.Combine(root, "infra"));
        File.Copy(Path.Combine(source, "Makefile"), Path.Combine(root, "Makefile"));
        File.Copy(Path.Combine(source, "docker-compose.yml"), Path.Combine(root, "docker-compose.yml"));
        foreach (var linked in new[] { "services", "sdk" })
        {
            File.CreateSymbolicLink(Path.Combine(root, linked), Path.Combine(source, linked));
        }

        return new Checkout(root, FreePortRange());
    }

    /// <summary>`make run`, until it says Ledger is running or exits.</summary>
    public async Task<MakeRun> StartRunAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = new MakeRun(Make(["run"], environment));
        try
        {
            await run.WaitUntilRunningOrExitedAsync(TimeSpan.FromMinutes(4));
            return run;
        }
        catch
        {
            // Nothing stops a run the caller never got: stop it here, services included.
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>`make reset FORCE=1` (or without FORCE), with no terminal: its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> ResetAsync(bool force = true)
    {
        using var process = Make(force ? ["reset", "FORCE=1"] : ["reset"], null);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(bounded.Token);
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>Whether anything listens on this checkout's twelve ports (gRPC, HTTP and metrics of each service).</summary>
    public bool AnyPortInUse() => Ports().Any(port =>
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    });

    public IEnumerable<int> Ports() => new[] { 0, 10, 20, 30 }.SelectMany(offset => new[] { PortBase + offset, PortBase + offset + 1, PortBase + offset + 100 });

    public async ValueTask DisposeAsync()
    {
        if (Directory.Exists(StateDirectory))
        {
            await ResetAsync();
        }

        Directory.Delete(Root, recursive: true);
    }

    private Process Make(string[] arguments, IReadOnlyDictionary<string, string>? environment)
    {
        // setsid: a process group of its own, so an interrupt reaches make and everything it started, as Ctrl-C does.
        // env --default-signal=INT: as in a terminal, SIGINT reaches make run even when the test run itself was
        // started with SIGINT ignored (a script's background job), which a shell cannot trap or undo.
        var start = new ProcessStartInfo("setsid", ["env", "--default-signal=INT", "make", "--no-print-directory", .. arguments])
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // A user's shell: none of the test run's settings (database, broker, keys) leak in.
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("Ledger__", StringComparison.Ordinal) || key.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                || key.StartsWith("LEDGER_TEST_", StringComparison.Ordinal))
            {
                start.Environment.Remove(key);
            }
        }

        start.Environment["LEDGER_RUN_PORT_BASE"] = PortBase.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LEDGER_RUN_NO_BUILD"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            var target = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, target);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(file));
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    /// <summary>
    /// A base port whose ports `make run` uses are free: base..base+31 and the metrics ports
    /// base+100..base+131. Away from the default 5010-5141 a developer's `make run` uses, and below
    /// the kernel's ephemeral range (32768 and up here), from which other tests' services and every
    /// outgoing connection take their ports while this run starts.
    /// </summary>
    private static int FreePortRange()
    {
        var ephemeralStart = EphemeralPortStart();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var candidate = Random.Shared.Next(100, (ephemeralStart - 132) / 100) * 100;
            var free = Enumerable.Range(candidate, 32).Concat(Enumerable.Range(candidate + 100, 32)).All(port =>
            {
                try
                {
                    using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
                    listener.Start();
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            });
            if (free)
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No free range of ports for `make run` found on 127.0.0.1.");
    }

    /// <summary>
    /// The first port of Linux's ephemeral range (net.ipv4.ip_local_port_range), 32768 when it cannot be
    /// read; at least 10400, so a range remains on a machine whose ephemeral range starts lower (there the
    /// ports may overlap it).
    /// </summary>
    private static int EphemeralPortStart()
    {
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(RangeFile) && int.TryParse(File.ReadAllText(RangeFile).Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var start)
            ? Math.Max(start, 10_400)
            : 32768;
    }
}

/// <summary>A running (or finished) `make run`, with everything it printed.</summary>
public sealed class MakeRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal MakeRun(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    internal async Task WaitUntilRunningOrExitedAsync(TimeSpan timeout)
    {
        using var bounded = new CancellationTokenSource(timeout);
        var exited = _process.WaitForExitAsync(bounded.Token);
        try
        {
            await Task.WhenAny(_running.Task, exited).WaitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"make run neither started nor exited in {timeout}:\n{Output}");
        }

        if (exited.IsCompletedSuccessfully)
        {
            // Let the output readers drain.
            _process.WaitForExit();
        }
    }

    /// <summary>Ctrl-C: SIGINT to make's process group; waits for everything to stop (run.sh stops the services within 30 s).</summary>
    public async Task InterruptAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-INT", "--", "-" + _process.Id])!;
            await kill.WaitForExitAsync();
            using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await _process.WaitForExitAsync(bounded.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await InterruptAsync();
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith("Ledger is running", StringComparison.Ordinal))
        {
            _running.TrySetResult();
        }
    }
}
