using System.Diagnostics;
using Ledger.Benchmarks.Fixtures;
using Ledger.Benchmarks.Harness;
using Ledger.Benchmarks.Results;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Testing.Load;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// Revocations per second on the single revocation log: (1) 32 concurrent clients each revoking one
/// license per call (every append waits its turn on the log's lock: none may fail), beside Npgsql
/// one-row insert and commit at the same concurrency; (2) one <c>RevokeLicenses</c> call revoking
/// every license of a customer who has 10,000, beside Npgsql inserting 10,000 rows in one
/// transaction. Target (issue 19): the bulk call at >= 0.3 of its limit.
/// </summary>
public sealed class RevokeThroughputScenario : IScenario
{
    private const int Concurrency = 32;
    private const int Rounds = 3;
    /// <summary>Set to 1 for a smoke run (1,000 licenses each way): checks the scenario works, its figures are not comparable.</summary>
    public const string SmokeSetting = "LEDGER_BENCH_SMOKE";

    private static readonly bool Smoke = Environment.GetEnvironmentVariable(SmokeSetting) == "1";
    private static readonly int BulkLicenses = Smoke ? 1_000 : 10_000;
    private static readonly int SinglePool = Smoke ? 1_000 : 20_000;
    private const int IssueBatch = 100;
    private const int IssueConcurrency = 8;
    private const double BulkTargetRatio = 0.3;
    private const string BulkCustomer = "bench-bulk-customer";
    private static readonly TimeSpan WarmUpRound = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxDrain = TimeSpan.FromSeconds(300);

    // Revocation learning 30,000 fresh licenses is preparation, not measured: on a busy machine it takes minutes.
    private static readonly TimeSpan MaxLearning = TimeSpan.FromMinutes(30);

    public string Name => "revoke-throughput";

    public string Description =>
        $"Revoke at {Concurrency} concurrent clients on the single revocation log, and RevokeLicenses of one customer's {BulkLicenses:N0} licenses in one call, beside Npgsql inserts (1 row per transaction at {Concurrency} clients; {BulkLicenses:N0} rows in one)";

    public ScenarioReport Run(ScenarioLog log) => RunAsync(log).GetAwaiter().GetResult();

    private async Task<ScenarioReport> RunAsync(ScenarioLog log)
    {
        log.Step("starting Notary, Issuance, Revocation and Attestation as processes on their own database and virtual host");
        await using var ledger = await RunningLedger.StartAsync();
        var backlog = new LedgerBacklog(ledger.Processes);
        var cpu = CpuMeter.ForLedger(ledger.Processes, ledger.Processes.Infrastructure.PostgresAdmin, ledger.Processes.Database.Name);

        log.Step($"issuing {SinglePool:N0} licenses to revoke one by one and {BulkLicenses:N0} of customer '{BulkCustomer}' (IssueLicenses, {IssueBatch} a call)");
        var pool = await IssueAsync(ledger, SinglePool, RunningLedger.Terms);
        var bulk = await IssueAsync(ledger, BulkLicenses, BulkTerms);
        await using var limit = await InsertLimit.CreateAsync(ledger.DatabaseConnectionString, pool[0].LicenseKey);
        var learning = Stopwatch.StartNew();
        var learned = (Waited: TimeSpan.Zero, Drained: false, Remaining: "");
        while (!learned.Drained && learning.Elapsed < MaxLearning)
        {
            learned = await backlog.DrainAsync(TimeSpan.FromSeconds(30));
            if (!learned.Drained)
            {
                log.Step($"waiting for Revocation to learn the licenses: {learned.Remaining}");
            }
        }

        if (!learned.Drained)
        {
            throw new BenchmarkInvalidException($"Revocation did not learn the issued licenses within {MaxLearning.TotalMinutes:0} min: {learned.Remaining}");
        }

        log.Step($"Revocation learned them ({learning.Elapsed.TotalSeconds:0.0} s after the last call)");
        var next = -1;
        var plan = new LoadPlan(Concurrency) { OperationTimeout = TimeSpan.FromSeconds(60) };

        async Task<LoadRun<RevokeResponse>> RevokeRoundAsync(TimeSpan length) =>
            await LoadDriver.RunAsync(plan with { Duration = length }, async (_, ct) =>
            {
                var index = Interlocked.Increment(ref next);
                if (index >= pool.Count)
                {
                    throw new BenchmarkInvalidException($"All {pool.Count:N0} licenses issued for the concurrent revocations are revoked; raise the pool.");
                }

                return await ledger.Revocations.RevokeAsync(
                    new RevokeRequest { LicenseId = pool[index].LicenseId, Reason = RevocationReason.KeyCompromise }, cancellationToken: ct);
            });

        async Task<LoadRun<int>> LimitRoundAsync(TimeSpan length) =>
            await LoadDriver.RunAsync(plan with { Duration = length }, (_, ct) => limit.InsertAsync(1, ct));

        log.Step("(1) concurrent single revocations: warming up each side until stable");
        var systemWarmUp = await SteadyState.ReachAsync("revoke", async length => (await RevokeRoundAsync(length)).Throughput, WarmUpRound, MaxWarmUp, log);
        await backlog.DrainAsync(MaxDrain);
        var limitWarmUp = await SteadyState.ReachAsync("npgsql", async length => (await LimitRoundAsync(length)).Throughput, WarmUpRound, MaxWarmUp, log);

        var system = new List<LoadRun<RevokeResponse>>();
        var bare = new List<LoadRun<int>>();
        var singleCpu = CpuSplit.Empty;
        for (var round = 0; round < Rounds; round++)
        {
            await cpu.StartAsync();
            system.Add(await RevokeRoundAsync(Round));
            var drained = await backlog.DrainAsync(MaxDrain);
            singleCpu = singleCpu.Plus(await cpu.StopAsync(system[^1].Elapsed + drained.Waited));
            bare.Add(await LimitRoundAsync(Round));
            log.Step($"round {round + 1}: {system[^1].Summary("revoke")}; drained in {drained.Waited.TotalSeconds:0.0} s; {bare[^1].Summary("npgsql")}");
        }

        var failures = system.SelectMany(r => r.Failed).Concat<object>(bare.SelectMany(r => r.Failed)).ToList();
        if (failures.Count > 0)
        {
            var first = system.SelectMany(r => r.Failed).Select(o => o.Failure).Concat(bare.SelectMany(r => r.Failed).Select(o => o.Failure)).First();
            throw new BenchmarkInvalidException($"{failures.Count} calls failed under concurrent revocation (none may fail for contention); the first: {first}");
        }

        var versions = system.SelectMany(r => r.Succeeded).Select(o => o.Result!.Revocation.FeedVersion).ToList();
        if (versions.Distinct().Count() != versions.Count || system.SelectMany(r => r.Succeeded).Any(o => !o.Result!.NewlyRevoked))
        {
            throw new BenchmarkInvalidException("Two concurrent revocations got the same feed version, or a fresh license came back as revoked before.");
        }

        log.Step($"(2) bulk: RevokeLicenses of customer '{BulkCustomer}' ({BulkLicenses:N0} licenses), then Npgsql inserting {BulkLicenses:N0} rows in one transaction");
        await backlog.DrainAsync(MaxDrain);
        var head = (await ledger.Revocations.GetFeedAsync(new GetFeedRequest())).Version;
        await cpu.StartAsync();
        var bulkClock = Stopwatch.StartNew();
        var revokedInBulk = await ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest
        {
            IdempotencyKey = $"bench-{Guid.NewGuid():N}", CustomerId = BulkCustomer, Reason = RevocationReason.CessationOfOperation,
        }, deadline: DateTime.UtcNow.AddMinutes(10));
        bulkClock.Stop();
        var bulkDrain = await backlog.DrainAsync(MaxDrain);
        var bulkCpu = await cpu.StopAsync(bulkClock.Elapsed + bulkDrain.Waited);
        if (revokedInBulk.RevokedLicenseIds.Count != BulkLicenses || revokedInBulk.FirstFeedVersion != head + 1 || revokedInBulk.FeedVersion != head + BulkLicenses)
        {
            throw new BenchmarkInvalidException(
                $"RevokeLicenses revoked {revokedInBulk.RevokedLicenseIds.Count:N0} licenses (versions {revokedInBulk.FirstFeedVersion}-{revokedInBulk.FeedVersion}); expected {BulkLicenses:N0} from version {head + 1}.");
        }

        await backlog.DrainAsync(MaxDrain);
        var bareBulkClock = Stopwatch.StartNew();
        var inserted = await limit.InsertAsync(BulkLicenses, CancellationToken.None);
        bareBulkClock.Stop();
        if (inserted != BulkLicenses)
        {
            throw new BenchmarkInvalidException($"The Npgsql limit inserted {inserted:N0} rows, not {BulkLicenses:N0}.");
        }

        var singleRates = system.Select(r => r.Throughput).ToList();
        var bareRates = bare.Select(r => r.Throughput).ToList();
        var singleRatio = Median(singleRates.Zip(bareRates, (l, b) => l / b));
        var latencies = system.SelectMany(r => r.Succeeded).Select(o => o.Latency).ToList();
        var bareLatencies = bare.SelectMany(r => r.Succeeded).Select(o => o.Latency).ToList();
        var bulkRate = BulkLicenses / bulkClock.Elapsed.TotalSeconds;
        var bareBulkRate = BulkLicenses / bareBulkClock.Elapsed.TotalSeconds;
        var bulkRatio = bulkRate / bareBulkRate;

        var figures = new List<Figure>
        {
            new("single_revocations_per_second", $"Revoke at {Concurrency} clients", Median(singleRates), "revocations/s", Spread(singleRates)),
            new("single_npgsql_rows_per_second", $"Npgsql 1-row insert per transaction at {Concurrency} clients (limit)", Median(bareRates), "rows/s", Spread(bareRates)),
            new("single_ratio", "ratio Revoke / Npgsql", singleRatio, "ratio", "median over rounds, rounds alternating"),
            new("single_p50_ms", "Revoke latency p50", LoadRun<int>.Percentile(latencies, 50).TotalMilliseconds, "ms"),
            new("single_p99_ms", "Revoke latency p99", LoadRun<int>.Percentile(latencies, 99).TotalMilliseconds, "ms"),
            new("single_npgsql_p99_ms", "Npgsql latency p99 per transaction", LoadRun<int>.Percentile(bareLatencies, 99).TotalMilliseconds, "ms"),
            new("single_failures", "Revoke calls failed (contention or otherwise)", 0, "calls", $"{versions.Count:N0} revocations, each its own feed version"),
            new("bulk_revocations_per_second", $"RevokeLicenses of {BulkLicenses:N0} licenses in one call", bulkRate, "revocations/s", $"{bulkClock.Elapsed.TotalSeconds:0.00} s for the call"),
            new("bulk_npgsql_rows_per_second", $"Npgsql {BulkLicenses:N0}-row insert in one transaction (limit)", bareBulkRate, "rows/s", $"{bareBulkClock.Elapsed.TotalSeconds:0.00} s"),
            new("bulk_ratio", "ratio RevokeLicenses / Npgsql", bulkRatio, "ratio"),
            new("bulk_seconds", "RevokeLicenses call time (its p99: one call)", bulkClock.Elapsed.TotalSeconds, "s"),
        };
        figures.AddRange(CpuFigures.Of("single", "Revoke", singleCpu, versions.Count, "revocation"));
        figures.AddRange(CpuFigures.Of("bulk", "RevokeLicenses", bulkCpu, BulkLicenses, "revocation"));

        var targets = new List<Target>
        {
            Target.AtLeast("bulk_ratio", $"RevokeLicenses / Npgsql >= {BulkTargetRatio}", bulkRatio, BulkTargetRatio,
                $"Marten appends the batch's {BulkLicenses:N0} events one insert at a time inside mt_quick_append_events, each checking its foreign key against the log's mt_streams row, whose dead versions the daemon lock's monitoring query (a snapshot held up to a minute) keeps PostgreSQL from pruning after the single revocations just before (bench/README.md \"Where the time goes\")"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["concurrency"] = Concurrency,
            ["rounds"] = Rounds,
            ["round_seconds"] = Round.TotalSeconds,
            ["warm_up_revoke"] = systemWarmUp.ToString(),
            ["warm_up_npgsql"] = limitWarmUp.ToString(),
            ["bulk_licenses"] = BulkLicenses,
            ["single_pool"] = SinglePool,
            ["services"] = "Notary, Issuance, Revocation, Attestation as Release processes on localhost; PostgreSQL and RabbitMQ local",
            ["smoke"] = Smoke,
        };

        return new ScenarioReport(Name, Description, parameters, figures, targets,
        [
            .. SmokeNotes(),
            "Every revocation, single or bulk, appends to the one revocation log: appends queue on a transaction-scoped advisory lock on it, so the figures are those of a serialized log.",
            "The concurrent rounds fail the scenario if any call fails (a contention failure would be a bug) or two revocations share a feed version.",
            "The bulk call is one measurement (one customer's licenses in one call); its p99 is its own time. CPU per revocation counts the call and the drain after it (LicenseRevoked published, Issuance recording it is not waited for).",
            .. CpuFigures.TopStatements("Revoke", singleCpu, versions.Count, "revocation", 8),
            .. CpuFigures.TopStatements("RevokeLicenses", bulkCpu, BulkLicenses, "revocation", 8),
        ]);
    }

    private static string[] SmokeNotes() =>
        Smoke ? [$"SMOKE RUN ({SmokeSetting}=1): {BulkLicenses:N0} licenses each way; the figures only show that the scenario works."] : [];

    private static LicenseTerms BulkTerms(int i) => new()
    {
        CustomerId = BulkCustomer,
        CustomerName = "Bulk Customer GmbH",
        CustomerContact = "licensing@bulk.example.com",
        Product = "ledger-desktop",
        Edition = "enterprise",
        Audience = "ledger-desktop",
        DurationDays = 365,
        Capabilities = { "export" },
    };

    private static async Task<IReadOnlyList<License>> IssueAsync(RunningLedger ledger, int count, Func<int, LicenseTerms> terms)
    {
        var run = await LoadDriver.RunAsync(new LoadPlan(IssueConcurrency, Operations: (count + IssueBatch - 1) / IssueBatch) { OperationTimeout = TimeSpan.FromSeconds(120) }, async (call, ct) =>
        {
            var request = new IssueLicensesRequest { IdempotencyKey = $"bench-{Guid.NewGuid():N}" };
            request.Licenses.AddRange(Enumerable.Range(call * IssueBatch, Math.Min(IssueBatch, count - (call * IssueBatch))).Select(terms));
            return (await ledger.Licenses.IssueLicensesAsync(request, cancellationToken: ct)).Licenses;
        });
        if (run.Failed.Count > 0)
        {
            throw new BenchmarkInvalidException($"Issuing the licenses to revoke failed: {run.Failed[0].Failure}");
        }

        return [.. run.Succeeded.SelectMany(o => o.Result!)];
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Spread(IReadOnlyList<double> rates) =>
        $"median of {rates.Count} rounds; range {ResultsWriter.Format(rates.Min())}-{ResultsWriter.Format(rates.Max())}/s";
}
