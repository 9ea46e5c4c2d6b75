using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Benchmarks.Fixtures;
using Ledger.Benchmarks.Results;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.Testing.Load;
using Ledger.Testing.Processes;
using Ledger.Verification;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// Issue 17: throughput through HAProxy of the cluster of <c>infra/cluster.sh</c> (its own name and
/// ports) with two replicas of each service in rotation against one (the second drained from the
/// balancer through HAProxy's runtime API, still running), rounds alternating: IssueLicense calls,
/// and full revocation feeds fetched and verified as an offline verifier does. The machine's cores
/// are in the results' conditions: replicas on one machine share its cores with PostgreSQL,
/// RabbitMQ, HAProxy and the load driver, so two replicas cannot add cores' worth of capacity here;
/// the figure shows what balancing per call costs or gains on this machine.
/// </summary>
public sealed class ScaleOutScenario : IScenario
{
    private const string ClusterName = "ledgerbench";
    private const int Rounds = 3;
    private const int IssueCalls = 300;
    private const int FeedFetches = 600;
    private const int Concurrency = 16;
    private const int Revoked = 200;
    private static readonly string[] Drained = ["notary", "issuance", "revocation"];

    public string Name => "scale-out";

    public string Description =>
        $"IssueLicense and verified full-feed fetches through HAProxy at {Concurrency} concurrent clients, two replicas of each service in rotation against one, on one machine";

    public ScenarioReport Run(ScenarioLog log) => RunAsync(log).GetAwaiter().GetResult();

    private static readonly ClusterScript Cluster = new(ClusterName,
        Environment.GetEnvironmentVariable("LEDGER_BENCH_CLUSTER_PORT_BASE") is { Length: > 0 } b ? b : "6500");

    private async Task<ScenarioReport> RunAsync(ScenarioLog log)
    {
        log.Step($"starting the cluster '{ClusterName}' with infra/cluster.sh (ports from {Cluster.PortBase})");
        await ClusterAsync(TimeSpan.FromMinutes(3), "destroy");
        await ClusterAsync(TimeSpan.FromMinutes(10), "up");
        try
        {
            return await MeasureAsync(log);
        }
        finally
        {
            await ClusterAsync(TimeSpan.FromMinutes(3), "destroy");
        }
    }

    private async Task<ScenarioReport> MeasureAsync(ScenarioLog log)
    {
        var env = await Cluster.EnvironmentAsync();
        var jwk = JsonWebKey.Parse(await File.ReadAllTextAsync(Path.Combine(env["LEDGER_CLUSTER_DIR"], "clients", "admin.private.jwk")));
        using var admin = Ed25519SigningKey.FromJwk(jwk);
        using var issuanceChannel = Channel(env["LEDGER_CLUSTER_ISSUANCE_GRPC"], () => ClientToken.Mint(admin, jwk.Kid!, "admin", "issuance", DateTimeOffset.UtcNow));
        using var revocationChannel = Channel(env["LEDGER_CLUSTER_REVOCATION_GRPC"], () => ClientToken.Mint(admin, jwk.Kid!, "admin", "revocation", DateTimeOffset.UtcNow));
        var licenses = new Licenses.LicensesClient(issuanceChannel);
        var revocations = new Revocations.RevocationsClient(revocationChannel);
        using var http = new HttpClient();
        var feedUrl = new Uri($"{env["LEDGER_CLUSTER_REVOCATION_HTTP"]}/feeds/revocations");

        log.Step($"preparing: {Revoked} licenses issued and revoked, so the feed has {Revoked} entries");
        var toRevoke = new List<string>();
        foreach (var chunk in Enumerable.Range(0, Revoked).Chunk(100)) // IssueLicenses takes at most 100 per call
        {
            var request = new IssueLicensesRequest { IdempotencyKey = $"scale-out-{Guid.NewGuid():N}" };
            request.Licenses.AddRange(chunk.Select(RunningLedger.Terms));
            toRevoke.AddRange((await licenses.IssueLicensesAsync(request)).Licenses.Select(l => l.LicenseId));
        }

        foreach (var id in toRevoke)
        {
            await RetryNotFoundAsync(() => revocations.RevokeAsync(new RevokeRequest { LicenseId = id, Reason = RevocationReason.Superseded }).ResponseAsync);
        }

        var jwks = JsonWebKeySet.Parse(await http.GetStringAsync(new Uri($"{env["LEDGER_CLUSTER_NOTARY_HTTP"]}/.well-known/jwks.json")));

        async Task<int> FetchAndVerifyFeedAsync(CancellationToken ct)
        {
            var feed = await http.GetStringAsync(feedUrl, ct);
            var accepted = RevocationFeeds.Accept(feed, jwks, "ledger", null, DateTimeOffset.UtcNow);
            if (!accepted.IsAccepted || accepted.State!.Revoked.Count < Revoked)
            {
                throw new BenchmarkInvalidException($"A feed through the balancer was not accepted or incomplete: {accepted.Status} {accepted.Detail}");
            }

            return accepted.State.Revoked.Count;
        }

        async Task<License> IssueAsync(int i, CancellationToken ct) =>
            (await licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = $"scale-out-{Guid.NewGuid():N}", Terms = RunningLedger.Terms(i) }, cancellationToken: ct)).License;

        log.Step($"warming up both replicas: {IssueCalls / 4} issues, {FeedFetches / 4} feeds");
        await LoadDriver.RunAsync(new LoadPlan(Concurrency, Operations: IssueCalls / 4), IssueAsync);
        await LoadDriver.RunAsync(new LoadPlan(Concurrency, Operations: FeedFetches / 4), (_, ct) => FetchAndVerifyFeedAsync(ct));

        var issue = new Dictionary<int, List<LoadRun<License>>> { [1] = [], [2] = [] };
        var feeds = new Dictionary<int, List<LoadRun<int>>> { [1] = [], [2] = [] };
        var offset = 0;
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var replicas in new[] { 2, 1 })
            {
                await RotationAsync(replicas);
                var first = offset;
                issue[replicas].Add(await LoadDriver.RunAsync(new LoadPlan(Concurrency, Operations: IssueCalls), (i, ct) => IssueAsync(first + i, ct)));
                offset += IssueCalls;
                feeds[replicas].Add(await LoadDriver.RunAsync(new LoadPlan(Concurrency, Operations: FeedFetches), (_, ct) => FetchAndVerifyFeedAsync(ct)));
                log.Step($"round {round + 1}, {replicas} replica(s): {issue[replicas][^1].Summary("issue")}; {feeds[replicas][^1].Summary("feed")}");
            }
        }

        await RotationAsync(2);
        var failures = issue.Values.SelectMany(r => r).Sum(r => r.Failed.Count) + feeds.Values.SelectMany(r => r).Sum(r => r.Failed.Count);
        if (failures > 0)
        {
            var firstFailure = issue.Values.SelectMany(r => r).SelectMany(r => r.Failed).Select(o => o.Failure)
                .Concat(feeds.Values.SelectMany(r => r).SelectMany(r => r.Failed).Select(o => o.Failure)).First();
            throw new BenchmarkInvalidException($"{failures} calls failed under load; the first: {firstFailure}");
        }

        double Rate<T>(List<LoadRun<T>> runs) => Median(runs.Select(r => r.Throughput));
        var issueRatio = Median(issue[2].Zip(issue[1], (two, one) => two.Throughput / one.Throughput));
        var feedRatio = Median(feeds[2].Zip(feeds[1], (two, one) => two.Throughput / one.Throughput));
        var figures = new List<Figure>
        {
            new("issue_two_replicas_per_second", "IssueLicense through HAProxy, two replicas of each service", Rate(issue[2]), "licenses/s", $"median of {Rounds} rounds of {IssueCalls} calls"),
            new("issue_one_replica_per_second", "IssueLicense through HAProxy, one replica of Notary, Issuance and Revocation in rotation", Rate(issue[1]), "licenses/s", $"median of {Rounds} rounds of {IssueCalls} calls"),
            new("issue_ratio", "ratio two replicas / one", issueRatio, "ratio", "median over rounds; rounds alternate"),
            new("issue_two_p99_ms", "IssueLicense p99, two replicas", LoadRun<License>.Percentile([.. issue[2].SelectMany(r => r.Succeeded).Select(o => o.Latency)], 99).TotalMilliseconds, "ms"),
            new("issue_one_p99_ms", "IssueLicense p99, one replica", LoadRun<License>.Percentile([.. issue[1].SelectMany(r => r.Succeeded).Select(o => o.Latency)], 99).TotalMilliseconds, "ms"),
            new("feed_two_replicas_per_second", $"full feed ({Revoked} entries) fetched through HAProxy and verified, two Revocation replicas", Rate(feeds[2]), "feeds/s", $"median of {Rounds} rounds of {FeedFetches} fetches"),
            new("feed_one_replica_per_second", $"full feed ({Revoked} entries) fetched through HAProxy and verified, one Revocation replica", Rate(feeds[1]), "feeds/s", $"median of {Rounds} rounds of {FeedFetches} fetches"),
            new("feed_ratio", "ratio two replicas / one", feedRatio, "ratio", "median over rounds; rounds alternate"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["concurrency"] = Concurrency,
            ["rounds"] = Rounds,
            ["issue_calls_per_round"] = IssueCalls,
            ["feed_fetches_per_round"] = FeedFetches,
            ["feed_entries"] = Revoked,
            ["one_replica"] = $"replica 2 of {string.Join(", ", Drained)} drained from HAProxy (still running); Attestation has two throughout (not on these paths)",
            ["cluster"] = "infra/cluster.sh: 3 RabbitMQ nodes, PostgreSQL primary + synchronous standby, 2 replicas per service, HAProxy h2c, all on this machine",
        };

        return new ScenarioReport(Name, Description, parameters, figures, [],
        [
            $"Everything runs on this one machine ({Environment.ProcessorCount} cores): eight service processes, three RabbitMQ nodes, two PostgreSQL servers, HAProxy and the load driver share its cores, so a second replica adds no cores; this is not a measurement of scale-out capacity, only of what per-call balancing costs or gains here. On a loaded machine the figures vary from run to run.",
            "Closed loop (Ledger.Testing's LoadDriver): each client starts its next call when the previous returns; every gRPC call carries a fresh client token.",
            "Each feed fetch is a full GET /feeds/revocations (no If-None-Match, so no 304) verified with RevocationFeeds.Accept against Notary's JWKS, as an offline verifier does.",
            "Every issue waits for the synchronous standby's commit (synchronous_standby_names), unlike the single-server 'issue' scenario.",
        ]);
    }

    private static async Task RetryNotFoundAsync(Func<Task> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && attempt < 120)
            {
                await Task.Delay(500); // Revocation has not learned the license yet.
            }
        }
    }

    private static async Task RotationAsync(int replicas)
    {
        foreach (var service in Drained)
        {
            await ClusterAsync(TimeSpan.FromSeconds(30), replicas == 2 ? "undrain" : "drain", service, "2");
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
    }

    private static GrpcChannel Channel(string address, Func<string> token) => TokenChannel.For(address, token);

    private static Task<string> ClusterAsync(TimeSpan timeout, params string[] args) => Cluster.RunAsync(timeout, args);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
