using System.Diagnostics;
using System.Text;

namespace Ledger.Containers.Tests.Support;

/// <summary>
/// Runs a program to its end within a time limit and keeps what it printed. The environment is
/// the test's (inherited) with the given variables set, or removed where the value is null.
/// </summary>
public static class Command
{
    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan limit,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Ledger.Testing.Processes.BuildOutput.Root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Describe(file, args)} did not finish within {limit}. It printed:\n{Text(output)}");
        }

        process.WaitForExit();
        return new Result(Describe(file, args), process.ExitCode, Text(output), clock.Elapsed);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static string Describe(string file, IEnumerable<string> args) => string.Join(' ', args.Prepend(file));

    public sealed record Result(string Command, int ExitCode, string Output, TimeSpan Elapsed)
    {
        public Result Expect(int exitCode = 0)
        {
            if (ExitCode != exitCode)
            {
                throw new Xunit.Sdk.XunitException($"{Command} exited {ExitCode}, expected {exitCode}. It printed:\n{Output}");
            }

            return this;
        }
    }
}
