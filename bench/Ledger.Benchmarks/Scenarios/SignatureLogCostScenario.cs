using System.Globalization;
using System.Text.Json;
using Ledger.Benchmarks.Results;
using Ledger.Testing.Processes;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// What Notary's signature log (issue 15) costs issuance: the <c>issue</c> load (IssueLicense at 32
/// concurrent clients, the Npgsql limit beside it), now that every signature appends its log entry
/// in the transaction that records key usage before it returns, against the <c>issue</c> figures
/// of the same system with the log's append taken out
/// (bench/results/baselines/issue-without-signature-log.json; its <c>provenance</c> says how it was
/// made). The runs are at different times, so each is normalized by the Npgsql limit measured beside
/// it in the same run: the log's cost is 1 - (ratio now / ratio without). The first baseline, from
/// before issue 15 (issue-before-signature-log.json, commit aaafd3a), stays for the record but is not
/// compared: its Npgsql limit ran over TLS (1,193 rows/s), so normalizing by it mixed issue 19's
/// connection settings into the log's cost.
/// </summary>
public sealed class SignatureLogCostScenario(int rounds) : IScenario
{
    /// <summary>From the repository root.</summary>
    public const string BaselinePath = "bench/results/baselines/issue-without-signature-log.json";

    private const double MaxCost = 0.10;

    /// <summary>The <c>issue</c> scenario's time-based rounds; LEDGER_BENCH_QUICK=1 makes it a short check that the scenario runs (2 rounds).</summary>
    public static SignatureLogCostScenario Default { get; } = Environment.GetEnvironmentVariable("LEDGER_BENCH_QUICK") == "1"
        ? new SignatureLogCostScenario(rounds: 2)
        : new SignatureLogCostScenario(rounds: 4);

    public string Name => "issue-signature-log";

    public string Description =>
        "IssueLicense at 32 concurrent clients with Notary's signature log on, against the issue figures without it (same harness and limit settings), each run normalized by its Npgsql limit";

    public ScenarioReport Run(ScenarioLog log)
    {
        var baselineFile = Path.Combine(BuildOutput.Root, BaselinePath);
        if (!File.Exists(baselineFile))
        {
            throw new BenchmarkInvalidException($"The figures without the signature log are missing: {baselineFile}.");
        }

        var before = Baseline.Read(baselineFile);
        log.Step($"without the log ({before.Date}): {ResultsWriter.Format(before.LedgerRate)} licenses/s, Npgsql {ResultsWriter.Format(before.LimitRate)} rows/s, ratio {before.Ratio:0.000}");

        var now = new IssueScenario("issue", licensesPerCall: 1, concurrency: 32, rounds, targetRatio: 0.3).Run(log);
        double Now(string key) => now.Figures.Single(f => f.Key == key).Value;
        var ledgerRate = Now("ledger_licenses_per_second");
        var limitRate = Now("npgsql_licenses_per_second");
        var ratio = Now("ratio");
        var relative = ratio / before.Ratio;

        var figures = new List<Figure>
        {
            new("ledger_licenses_per_second", "IssueLicense through gRPC, signature log on", ledgerRate, "licenses/s", now.Figures.Single(f => f.Key == "ledger_licenses_per_second").Note),
            new("npgsql_licenses_per_second", "Npgsql 1-row insert per transaction (limit), this run", limitRate, "rows/s"),
            new("ratio", "ratio ledger / Npgsql, signature log on", ratio, "ratio"),
            new("before_ledger_licenses_per_second", $"IssueLicense without the signature log ({before.Date})", before.LedgerRate, "licenses/s", BaselinePath),
            new("before_npgsql_licenses_per_second", "Npgsql limit in that run", before.LimitRate, "rows/s"),
            new("before_ratio", "ratio ledger / Npgsql without the signature log", before.Ratio, "ratio"),
            new("relative_throughput", "throughput with the log / without, each normalized by its run's Npgsql limit", relative, "ratio", "1 - this is the log's cost"),
            new("raw_relative_throughput", "licenses/s with the log / licenses/s without, not normalized (machine load differs between the runs)", ledgerRate / before.LedgerRate, "ratio"),
            new("ledger_p50_ms", "latency p50 per call, signature log on", Now("ledger_p50_ms"), "ms"),
            new("ledger_p99_ms", "latency p99 per call, signature log on", Now("ledger_p99_ms"), "ms"),
        };

        var targets = new List<Target>
        {
            Target.AtLeast(
                "relative_throughput",
                $"(ledger / Npgsql with the log) / (ledger / Npgsql without it) >= {1 - MaxCost:0.0#}",
                relative,
                1 - MaxCost,
                "appends serialize through their commit (the log is gapless: the advisory lock is held until the commit), so every signing waits for the ones queued before it; group commit (SignatureLogStore) shares one transaction among the signings queued meanwhile"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["concurrency"] = 32,
            ["rounds"] = rounds,
            ["baseline"] = BaselinePath,
            ["baseline_rounds"] = before.Rounds,
            ["baseline_load_average"] = before.LoadAverage,
            ["services"] = "Notary, Issuance, Revocation, Attestation as Release processes on localhost; PostgreSQL and RabbitMQ local",
        };

        return new ScenarioReport(Name, Description, parameters, figures, targets,
        [
            "The issue scenario's load and limit, run now; the baseline is that scenario's result with the log's append taken out (a scratch build on an idle machine; its provenance field says how), committed beside the results.",
            "Runs on different days meet different machine load: the Npgsql limit measured in each run normalizes it, so the target compares ratios, not raw rates.",
            .. now.Notes,
        ]);
    }

    private sealed record Baseline(double LedgerRate, double LimitRate, double Ratio, string Date, string LoadAverage, int Rounds)
    {
        public static Baseline Read(string path)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            double Figure(string key) => root.GetProperty("figures").EnumerateArray().Single(f => f.GetProperty("key").GetString() == key).GetProperty("value").GetDouble();
            var conditions = root.GetProperty("conditions");
            var parameters = root.GetProperty("parameters");
            return new Baseline(
                Figure("ledger_licenses_per_second"), Figure("npgsql_licenses_per_second"), Figure("ratio"),
                DateTimeOffset.Parse(conditions.GetProperty("date").GetString()!, CultureInfo.InvariantCulture).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
                conditions.GetProperty("load_average").GetString() ?? "",
                parameters.GetProperty("rounds").GetInt32());
        }
    }
}
