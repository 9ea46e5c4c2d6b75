using System.Diagnostics;
using Ledger.Testing.Processes;

namespace Ledger.Reliability.Tests.Support;

/// <summary>
/// Stops and starts the PostgreSQL or RabbitMQ every test uses, through <c>infra/fault.sh</c>
/// (docker compose or the native packages, as <c>infra/up.sh</c> runs them).
/// </summary>
public static class Infrastructure
{
    public const string Postgres = "postgres";
    public const string RabbitMq = "rabbitmq";

    public static Task StopAsync(string server) => FaultAsync("stop", server);

    public static Task StartAsync(string server) => FaultAsync("start", server);

    /// <summary>
    /// Stops <paramref name="server"/>, keeps it down for <paramref name="outage"/>, and starts it
    /// again (also when the wait fails). Returns when it stopped and when it answered again.
    /// </summary>
    public static async Task<(DateTimeOffset Down, DateTimeOffset Up)> OutageAsync(string server, TimeSpan outage, Action<string> log)
    {
        DateTimeOffset down;
        try
        {
            await StopAsync(server);
            down = DateTimeOffset.UtcNow;
            log($"{down:HH:mm:ss.fff} {server} stopped");
            await Task.Delay(outage);
        }
        finally
        {
            await StartAsync(server);
        }

        var up = DateTimeOffset.UtcNow;
        log($"{up:HH:mm:ss.fff} {server} answers again");
        return (down, up);
    }

    private static async Task FaultAsync(string action, string server)
    {
        var start = new ProcessStartInfo(Path.Combine(BuildOutput.Root, "infra", "fault.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(action);
        start.ArgumentList.Add(server);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        await process.WaitForExitAsync(bounded.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"infra/fault.sh {action} {server} exited with {process.ExitCode}: {await output}{await errors}");
        }
    }
}

/// <summary>
/// A test that stops PostgreSQL or RabbitMQ: every other test using them would fail meanwhile, so
/// it runs only when LEDGER_TEST_OUTAGES=1, which <c>make test</c> sets for its last step, when
/// nothing else runs.
/// </summary>
public sealed class OutageFactAttribute : FactAttribute
{
    public const string Setting = "LEDGER_TEST_OUTAGES";

    public OutageFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Setting) != "1")
        {
            Skip = $"Stops the shared PostgreSQL or RabbitMQ; runs when {Setting}=1 (make test runs it alone, after the other tests).";
        }
    }
}
