using Ledger.Benchmarks.Fixtures;
using Ledger.Benchmarks.Harness;
using Ledger.Benchmarks.Results;
using Ledger.Contracts.Issuance.V1;
using Ledger.Testing.Load;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// Licenses issued per second through gRPC (signed by Notary, durably appended by Issuance, both real
/// processes) at a fixed concurrency, one license per call (<c>issue</c>: IssueLicense) or a batch per
/// call (<c>issue-batch</c>: IssueLicenses), beside the limit: plain Npgsql inserting as many rows per
/// transaction at the same concurrency on the same PostgreSQL. Rounds of the two alternate.
/// </summary>
public sealed class IssueScenario(string name, int licensesPerCall, int concurrency, int rounds, double targetRatio) : IScenario
{
    private static readonly TimeSpan WarmUpRound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxDrain = TimeSpan.FromSeconds(120);

    public static IssueScenario Single { get; } = new("issue", licensesPerCall: 1, concurrency: 32, rounds: 4, targetRatio: 0.3);

    public static IssueScenario Batch { get; } = new("issue-batch", licensesPerCall: 100, concurrency: 8, rounds: 4, targetRatio: 0.25);

    public string Name => name;

    public string Description => licensesPerCall == 1
        ? $"IssueLicense through gRPC at {concurrency} concurrent clients (Notary signs, Issuance appends), beside Npgsql one-row insert and commit per transaction at the same concurrency"
        : $"IssueLicenses with batches of {licensesPerCall} at {concurrency} concurrent clients, beside Npgsql {licensesPerCall}-row insert per transaction at the same concurrency";

    public ScenarioReport Run(ScenarioLog log) => RunAsync(log).GetAwaiter().GetResult();

    private async Task<ScenarioReport> RunAsync(ScenarioLog log)
    {
        log.Step("starting Notary, Issuance, Revocation and Attestation as processes on their own database and virtual host");
        await using var ledger = await RunningLedger.StartAsync();
        var sample = await IssueAsync(ledger, 0, CancellationToken.None);
        await using var limit = await InsertLimit.CreateAsync(ledger.DatabaseConnectionString, sample[0].LicenseKey);
        var backlog = new LedgerBacklog(ledger.Processes);
        var cpu = CpuMeter.ForLedger(ledger.Processes, ledger.Processes.Infrastructure.PostgresAdmin, ledger.Processes.Database.Name);
        var plan = new LoadPlan(concurrency) { OperationTimeout = TimeSpan.FromSeconds(60) };
        var offset = 1;

        async Task<LoadRun<IReadOnlyList<License>>> SystemRoundAsync(TimeSpan length)
        {
            var first = offset;
            var run = await LoadDriver.RunAsync(plan with { Duration = length }, (i, ct) => IssueAsync(ledger, first + i, ct));
            offset += run.Operations.Count;
            return run;
        }

        async Task<LoadRun<int>> LimitRoundAsync(TimeSpan length) =>
            await LoadDriver.RunAsync(plan with { Duration = length }, (_, ct) => limit.InsertAsync(licensesPerCall, ct));

        log.Step($"warming up each side in rounds of {WarmUpRound.TotalSeconds:0} s until throughput is stable (within {SteadyState.Tolerance:P0}), at most {MaxWarmUp.TotalSeconds:0} s");
        var systemWarmUp = await SteadyState.ReachAsync("ledger", async length => (await SystemRoundAsync(length)).Throughput * licensesPerCall, WarmUpRound, MaxWarmUp, log);
        var drainedAfterWarmUp = await backlog.DrainAsync(MaxDrain);
        var limitWarmUp = await SteadyState.ReachAsync("npgsql", async length => (await LimitRoundAsync(length)).Throughput * licensesPerCall, WarmUpRound, MaxWarmUp, log);

        log.Step($"measuring: {rounds} rounds of {Round.TotalSeconds:0} s per side, alternating; the ledger's backlog drained before each Npgsql round");
        var system = new List<LoadRun<IReadOnlyList<License>>>();
        var bare = new List<LoadRun<int>>();
        var systemCpu = CpuSplit.Empty;
        var bareCpu = CpuSplit.Empty;
        var drains = new List<TimeSpan> { drainedAfterWarmUp.Waited };
        var undrained = drainedAfterWarmUp.Drained ? 0 : 1;
        for (var round = 0; round < rounds; round++)
        {
            await cpu.StartAsync();
            system.Add(await SystemRoundAsync(Round));
            var drained = await backlog.DrainAsync(MaxDrain);
            systemCpu = systemCpu.Plus(await cpu.StopAsync(system[^1].Elapsed + drained.Waited));
            drains.Add(drained.Waited);
            if (!drained.Drained)
            {
                undrained++;
                log.Step($"the backlog did not drain within {MaxDrain.TotalSeconds:0} s: {drained.Remaining}");
            }

            await cpu.StartAsync();
            bare.Add(await LimitRoundAsync(Round));
            bareCpu = bareCpu.Plus(await cpu.StopAsync(bare[^1].Elapsed));
            log.Step($"round {round + 1}: {system[^1].Summary("ledger")}; drained in {drained.Waited.TotalSeconds:0.0} s; {bare[^1].Summary("npgsql")}");
        }

        var failures = system.Sum(r => r.Failed.Count) + bare.Sum(r => r.Failed.Count);
        if (failures > 0)
        {
            var first = system.SelectMany(r => r.Failed).Select(o => o.Failure).Concat(bare.SelectMany(r => r.Failed).Select(o => o.Failure)).First();
            throw new BenchmarkInvalidException($"{failures} calls failed under load; the first: {first}");
        }

        if (system.SelectMany(r => r.Succeeded).Any(o => o.Result!.Count != licensesPerCall || o.Result.Any(l => l.LicenseKey.Length == 0)))
        {
            throw new BenchmarkInvalidException($"A call returned other than {licensesPerCall} signed licenses.");
        }

        var ledgerRates = system.Select(r => r.Throughput * licensesPerCall).ToList();
        var bareRates = bare.Select(r => r.Throughput * licensesPerCall).ToList();
        var ratio = Median(ledgerRates.Zip(bareRates, (l, b) => l / b));
        var latencies = system.SelectMany(r => r.Succeeded).Select(o => o.Latency).ToList();
        var bareLatencies = bare.SelectMany(r => r.Succeeded).Select(o => o.Latency).ToList();
        var unit = licensesPerCall == 1 ? "call" : $"batch of {licensesPerCall}";

        var figures = new List<Figure>
        {
            new("ledger_licenses_per_second", licensesPerCall == 1 ? "IssueLicense through gRPC" : $"IssueLicenses, batches of {licensesPerCall}", Median(ledgerRates), "licenses/s", Spread(ledgerRates)),
            new("npgsql_licenses_per_second", $"Npgsql {licensesPerCall}-row insert per transaction (limit)", Median(bareRates), "rows/s", Spread(bareRates)),
            new("ratio", "ratio ledger / Npgsql", ratio, "ratio", "median over rounds of ledger licenses/s / Npgsql rows/s, rounds alternating"),
            new("ledger_p50_ms", $"ledger latency p50 per {unit}", LoadRun<int>.Percentile(latencies, 50).TotalMilliseconds, "ms"),
            new("ledger_p99_ms", $"ledger latency p99 per {unit}", LoadRun<int>.Percentile(latencies, 99).TotalMilliseconds, "ms"),
            new("npgsql_p50_ms", $"Npgsql latency p50 per transaction", LoadRun<int>.Percentile(bareLatencies, 50).TotalMilliseconds, "ms"),
            new("npgsql_p99_ms", $"Npgsql latency p99 per transaction", LoadRun<int>.Percentile(bareLatencies, 99).TotalMilliseconds, "ms"),
        };
        var issued = system.Sum(r => (long)r.Succeeded.Count) * licensesPerCall;
        figures.AddRange(CpuFigures.Of("ledger", "ledger", systemCpu, issued, "license"));
        figures.AddRange(CpuFigures.Of("npgsql", "Npgsql limit", bareCpu, bare.Sum(r => (long)r.Succeeded.Count) * licensesPerCall, "row"));

        var targets = new List<Target>
        {
            Target.AtLeast(
                "ratio",
                $"ledger / Npgsql >= {targetRatio}",
                ratio,
                targetRatio,
                "each license costs a client-token check, an idempotency lookup, a Notary gRPC signing call, a Marten append with its inline License document and idempotency record, and the async daemon forwarding the event to RabbitMQ, all on the same 2 cores as PostgreSQL; the limit commits a bare row"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["licenses_per_call"] = licensesPerCall,
            ["concurrency"] = concurrency,
            ["round_seconds"] = Round.TotalSeconds,
            ["rounds"] = rounds,
            ["warm_up"] = $"rounds of {WarmUpRound.TotalSeconds:0} s until {SteadyState.StableRounds} consecutive rates are within {SteadyState.Tolerance:P0} of the fastest of them, at most {MaxWarmUp.TotalSeconds:0} s",
            ["warm_up_ledger"] = systemWarmUp.ToString(),
            ["warm_up_npgsql"] = limitWarmUp.ToString(),
            ["backlog_drain_seconds"] = drains.Select(d => Math.Round(d.TotalSeconds, 2)).ToArray(),
            ["backlog_not_drained_rounds"] = undrained,
            ["limit_row_bytes"] = limit.RowBytes,
            ["services"] = "Notary, Issuance, Revocation, Attestation as Release processes on localhost; PostgreSQL and RabbitMQ local",
        };

        return new ScenarioReport(Name, Description, parameters, figures, targets,
        [
            "Closed loop: each client starts its next call when the previous one returns (Ledger.Testing's LoadDriver); every call carries a freshly minted client token.",
            "Licenses/s of a round are successful licenses over the round's wall time; the ratio pairs each ledger round with the Npgsql round right after it.",
            "Before each Npgsql round the ledger's backlog is drained (every outbox published, Revocation caught up with Issuance's events), so the limit never shares the CPU with the ledger's leftover work.",
            "CPU per license counts each ledger round and the drain after it (the work the round caused), from /proc: the four services, the PostgreSQL backends of the run's databases, PostgreSQL's background processes and the RabbitMQ node (both machine-wide: other work on the machine shows there), and the load driver. Backends that ended within the window are missing, so it is a floor.",
            "The client, the four services, PostgreSQL and RabbitMQ share the machine's cores.",
            "SQL statements per license are counted over the same windows by pg_stat_statements, in each service's database; the statements run most often follow.",
            .. CpuFigures.TopStatements("ledger", systemCpu, issued, "license"),
        ]);
    }

    private async Task<IReadOnlyList<License>> IssueAsync(RunningLedger ledger, int i, CancellationToken cancellationToken)
    {
        if (licensesPerCall == 1)
        {
            var single = await ledger.Licenses.IssueLicenseAsync(
                new IssueLicenseRequest { IdempotencyKey = $"bench-{Guid.NewGuid():N}", Terms = RunningLedger.Terms(i) },
                cancellationToken: cancellationToken);
            return [single.License];
        }

        var request = new IssueLicensesRequest { IdempotencyKey = $"bench-{Guid.NewGuid():N}" };
        request.Licenses.AddRange(Enumerable.Range(i * licensesPerCall, licensesPerCall).Select(RunningLedger.Terms));
        var batch = await ledger.Licenses.IssueLicensesAsync(request, cancellationToken: cancellationToken);
        return batch.Licenses;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Spread(IReadOnlyList<double> rates) =>
        $"median of {rates.Count} rounds; range {ResultsWriter.Format(rates.Min())}-{ResultsWriter.Format(rates.Max())}/s";
}
