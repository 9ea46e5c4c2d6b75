using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Testing.Processes;

namespace Ledger.Cli.Tests.Support;

/// <summary>
/// Runs the real ledgerctl (the built ledgerctl.dll) as a process in a working directory, with only
/// the environment a test gives it: inherited LEDGER_* variables are removed so a developer's
/// settings never leak into a test, and the state directory is the test's own.
/// </summary>
public sealed class Ledgerctl(string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public string WorkingDirectory { get; } = workingDirectory;

    public Ledgerctl With(string variable, string value) =>
        new(WorkingDirectory, new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { [variable] = value });

    public async Task<Result> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BuildOutput.Ledgerctl);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("LEDGER_", StringComparison.Ordinal) || k.StartsWith("FLUX_DISTRO_", StringComparison.Ordinal) || k == "XDG_STATE_HOME").ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["LEDGER_STATE_DIR"] = Path.Combine(WorkingDirectory, ".state");
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ledgerctl {string.Join(' ', args)} did not finish within {Timeout}.");
        }

        return new Result(args, process.ExitCode, await stdout, await stderr);
    }

    public sealed record Result(string[] Args, int ExitCode, string Stdout, string Stderr)
    {
        public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new JsonException("ledgerctl printed no JSON.");

        public Result Expect(int exitCode)
        {
            if (ExitCode != exitCode)
            {
                throw new Xunit.Sdk.XunitException($"ledgerctl {string.Join(' ', Args)} exited {ExitCode}, expected {exitCode}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
            }

            return this;
        }

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }
}
