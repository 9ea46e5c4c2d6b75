using System.Diagnostics;
using Ledger.Benchmarks.Fixtures;
using Ledger.Benchmarks.Harness;
using Ledger.Benchmarks.Results;
using Ledger.Contracts.Issuance.V1;
using Ledger.Testing.Load;
using Ledger.Testing.Processes;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// A killed Issuance (SIGKILL, as a crash or an OOM kill) started again: seconds from the start to
/// /health/ready, and IssueLicense throughput at 32 clients in its first 10 s as a share of the steady
/// state measured before the kill, with the per-second curve. Target (issue 19): >= 0.8 within 10 s.
/// </summary>
public sealed class ColdStartScenario : IScenario
{
    private const int Concurrency = 32;
    private const double TargetShare = 0.8;
    private static readonly TimeSpan WarmUpRound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxDrain = TimeSpan.FromSeconds(120);

    public string Name => "cold-start";

    public string Description =>
        $"Issuance killed and started again: seconds to ready, and IssueLicense at {Concurrency} clients in its first {Window.TotalSeconds:0} s as a share of its steady state";

    public ScenarioReport Run(ScenarioLog log) => RunAsync(log).GetAwaiter().GetResult();

    private static async Task DrainAsync(LedgerBacklog backlog, ScenarioLog log)
    {
        var drained = await backlog.DrainAsync(MaxDrain);
        log.Step(drained.Drained
            ? $"backlog drained in {drained.Waited.TotalSeconds:0.0} s"
            : $"the backlog did not drain within {MaxDrain.TotalSeconds:0} s: {drained.Remaining}");
    }

    private async Task<ScenarioReport> RunAsync(ScenarioLog log)
    {
        log.Step("starting Notary, Issuance, Revocation and Attestation as processes on their own database and virtual host");
        await using var ledger = await RunningLedger.StartAsync();
        var backlog = new LedgerBacklog(ledger.Processes);
        var cpu = CpuMeter.ForLedger(ledger.Processes, ledger.Processes.Infrastructure.PostgresAdmin, ledger.Processes.Database.Name);
        var plan = new LoadPlan(Concurrency) { OperationTimeout = TimeSpan.FromSeconds(60) };
        var offset = 0;

        async Task<LoadRun<License>> IssueRoundAsync(TimeSpan length)
        {
            var first = offset;
            var run = await LoadDriver.RunAsync(plan with { Duration = length }, async (i, ct) =>
                (await ledger.Licenses.IssueLicenseAsync(
                    new IssueLicenseRequest { IdempotencyKey = $"bench-{Guid.NewGuid():N}", Terms = RunningLedger.Terms(first + i) }, cancellationToken: ct)).License);
            offset += run.Operations.Count;
            return run;
        }

        log.Step("steady state: warming up until stable, then one measured window");
        var warmUp = await SteadyState.ReachAsync("issue", async length => (await IssueRoundAsync(length)).Throughput, WarmUpRound, MaxWarmUp, log);
        await DrainAsync(backlog, log);
        await cpu.StartAsync();
        var steady = await IssueRoundAsync(Window);
        var steadyCpu = await cpu.StopAsync(steady.Elapsed);
        log.Step($"steady: {steady.Summary("issue")}");
        await DrainAsync(backlog, log);

        log.Step("killing Issuance (SIGKILL) and starting it again");
        var issuance = ledger.Processes.Issuance;
        await issuance.KillAsync();
        var startClock = Stopwatch.StartNew();
        issuance.Restart();
        await issuance.WaitUntilReadyAsync(LedgerProcesses.StartTimeout);
        var toReady = startClock.Elapsed;
        log.Step($"ready after {toReady.TotalSeconds:0.00} s");

        await cpu.StartAsync();
        var cold = await IssueRoundAsync(Window);
        var coldCpu = await cpu.StopAsync(cold.Elapsed);
        log.Step($"first {Window.TotalSeconds:0} s: {cold.Summary("issue")}");

        var failures = steady.Failed.Concat(cold.Failed).ToList();
        if (failures.Count > 0)
        {
            throw new BenchmarkInvalidException($"{failures.Count} calls failed; the first: {failures[0].Failure}");
        }

        var share = cold.Throughput / steady.Throughput;
        var perSecond = Enumerable.Range(0, (int)Window.TotalSeconds)
            .Select(s => cold.Succeeded.Count(o => o.StartedAt + o.Latency >= TimeSpan.FromSeconds(s) && o.StartedAt + o.Latency < TimeSpan.FromSeconds(s + 1)))
            .ToList();
        var figures = new List<Figure>
        {
            new("seconds_to_ready", "Issuance start -> /health/ready", toReady.TotalSeconds, "s", "process start to the first 200 of /health/ready (polled every 250 ms)"),
            new("steady_licenses_per_second", $"steady state, IssueLicense at {Concurrency} clients", steady.Throughput, "licenses/s", $"{Window.TotalSeconds:0} s after warm-up"),
            new("cold_licenses_per_second", $"first {Window.TotalSeconds:0} s after ready", cold.Throughput, "licenses/s"),
            new("share", $"first {Window.TotalSeconds:0} s / steady state", share, "ratio"),
            new("cold_p99_ms", $"latency p99 in the first {Window.TotalSeconds:0} s", cold.Latency(99).TotalMilliseconds, "ms"),
            new("steady_p99_ms", "latency p99 in the steady state", steady.Latency(99).TotalMilliseconds, "ms"),
        };
        for (var s = 0; s < perSecond.Count; s++)
        {
            figures.Add(new($"cold_second_{s + 1}", $"licenses completed in second {s + 1} after ready", perSecond[s], "licenses"));
        }

        figures.AddRange(CpuFigures.Of("steady", "steady", steadyCpu, steady.Succeeded.Count, "license"));
        figures.AddRange(CpuFigures.Of("cold", "cold", coldCpu, cold.Succeeded.Count, "license"));

        var targets = new List<Target>
        {
            Target.AtLeast("share", $"first {Window.TotalSeconds:0} s >= {TargetShare} of steady state", share, TargetShare,
                "a fresh process JIT-compiles its hot paths (tier 0, then tier 1 after 30 calls and a background delay), opens its connection pools and prepares its statements again, while the other services stay warm; the per-second figures show the ramp"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["concurrency"] = Concurrency,
            ["window_seconds"] = Window.TotalSeconds,
            ["warm_up"] = warmUp.ToString(),
            ["killed"] = "Issuance (SIGKILL of its process); Notary, Revocation and Attestation stay up",
            ["start"] = "dotnet <Release build>/Ledger.Issuance.dll, as make run and the tests start it",
        };

        return new ScenarioReport(Name, Description, parameters, figures, targets,
        [
            "The load starts once /health/ready answers 200; the share compares the first window's throughput with a window of the same length measured before the kill.",
            "CPU per license from /proc covers each window (the cold one includes the new process's JIT).",
        ]);
    }
}
