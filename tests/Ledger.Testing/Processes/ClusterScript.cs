using System.Diagnostics;

namespace Ledger.Testing.Processes;

/// <summary>
/// <c>infra/cluster.sh</c> for one named cluster (docs/SCALING.md): the reliability tests' cluster and
/// the <c>scale-out</c> benchmark's each run their own, with their own name and ports, never the
/// shared servers. The services are the checkout's Release build (LEDGER_CLUSTER_NO_BUILD=1).
/// </summary>
public sealed class ClusterScript(string name, string portBase)
{
    public string Name => name;

    public string PortBase => portBase;

    /// <summary>Runs the script with <paramref name="args"/>; its standard output, or an exception with all it printed.</summary>
    public async Task<string> RunAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(BuildOutput.Root, "infra", "cluster.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["LEDGER_CLUSTER_NAME"] = name;
        start.Environment["LEDGER_CLUSTER_PORT_BASE"] = portBase;
        start.Environment["LEDGER_CLUSTER_NO_BUILD"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var bounded = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"infra/cluster.sh {string.Join(' ', args)} did not finish within {timeout}: {await output}{await errors}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"infra/cluster.sh {string.Join(' ', args)} exited with {process.ExitCode}: {await output}{await errors}");
        }

        return await output;
    }

    /// <summary>What <c>cluster.sh env</c> prints: LEDGER_CLUSTER_* addresses and the state directory.</summary>
    public async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync()
    {
        var env = new Dictionary<string, string>();
        foreach (var line in (await RunAsync(TimeSpan.FromMinutes(1), "env")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = line.IndexOf('=', StringComparison.Ordinal);
            env[line[..at]] = line[(at + 1)..].Trim('\'');
        }

        return env;
    }
}
