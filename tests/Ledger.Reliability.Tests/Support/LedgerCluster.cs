using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Testing.Processes;
using Ledger.Verification;
using static Ledger.Contracts.Issuance.V1.Licenses;
using static Ledger.Contracts.Revocation.V1.Revocations;

namespace Ledger.Reliability.Tests.Support;

/// <summary>
/// The scaled-out ledger of <c>infra/cluster.sh</c> (docs/SCALING.md, "A cluster on one machine"):
/// three RabbitMQ nodes, a PostgreSQL primary with a synchronous standby, two replicas of each
/// service behind HAProxy. Its own name and ports (LEDGER_TEST_CLUSTER_PORT_BASE, 6400 by default),
/// never the shared servers; created fresh for the test class and destroyed after it. Calls go
/// through the balancer, with the admin identity the script created; a subscriber with a durable
/// quorum queue of its own counts every LicenseIssued and LicenseRevoked delivered.
/// Only when LEDGER_TEST_OUTAGES=1 (it starts eleven servers and takes both cores for minutes).
/// </summary>
public sealed class LedgerCluster : IAsyncLifetime
{
    public static readonly string[] Services = ["notary", "issuance", "revocation", "attestation"];

    private readonly Dictionary<string, string> _env = [];
    private Ed25519SigningKey _admin = null!;
    private string _adminKid = "";
    private readonly List<GrpcChannel> _channels = [];

    public static bool Enabled => Environment.GetEnvironmentVariable(OutageFactAttribute.Setting) == "1";

    private readonly ClusterScript _script = new("ledgertest",
        Environment.GetEnvironmentVariable("LEDGER_TEST_CLUSTER_PORT_BASE") is { Length: > 0 } b ? b : "6400");

    public LicensesClient Licenses { get; private set; } = null!;

    public RevocationsClient Revocations { get; private set; } = null!;

    public ClusterSubscriber Subscriber { get; private set; } = null!;

    /// <summary>The address the script printed for <paramref name="key"/> (e.g. REVOCATION_REPLICAS_HTTP).</summary>
    public string Address(string key) => _env[$"LEDGER_CLUSTER_{key}"];

    public async Task InitializeAsync()
    {
        if (!Enabled)
        {
            return;
        }

        // A run that was interrupted may have left its cluster behind: start from nothing.
        await ScriptAsync(TimeSpan.FromMinutes(6), "destroy");
        // About a minute on an idle 2-core machine; far longer when other builds load it.
        await ScriptAsync(TimeSpan.FromMinutes(20), "up");
        foreach (var (key, value) in await _script.EnvironmentAsync())
        {
            _env[key] = value;
        }

        var jwk = JsonWebKey.Parse(await File.ReadAllTextAsync(Path.Combine(_env["LEDGER_CLUSTER_DIR"], "clients", "admin.private.jwk")));
        _admin = Ed25519SigningKey.FromJwk(jwk);
        _adminKid = jwk.Kid!;
        Licenses = new LicensesClient(Channel(Address("ISSUANCE_GRPC"), "issuance"));
        Revocations = new RevocationsClient(Channel(Address("REVOCATION_GRPC"), "revocation"));
        Subscriber = await ClusterSubscriber.StartAsync(new Uri(Address("RABBITMQ")), "cluster-test-subscriber");
    }

    public async Task DisposeAsync()
    {
        if (!Enabled)
        {
            return;
        }

        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        if (Subscriber is not null)
        {
            await Subscriber.DisposeAsync();
        }

        _admin?.Dispose();
        if (Environment.GetEnvironmentVariable(LedgerProcesses.KeepLogsSetting) == "1")
        {
            await ScriptAsync(TimeSpan.FromMinutes(3), "down");
            Console.Error.WriteLine($"Cluster stopped, its state and logs kept in {_env.GetValueOrDefault("LEDGER_CLUSTER_DIR")} ({LedgerProcesses.KeepLogsSetting}=1).");
        }
        else
        {
            await ScriptAsync(TimeSpan.FromMinutes(6), "destroy");
        }
    }

    /// <summary>A fresh admin token for <paramref name="audience"/>.</summary>
    public string Token(string audience) => ClientToken.Mint(_admin, _adminKid, "admin", audience, DateTimeOffset.UtcNow);

    /// <summary>A channel whose every call carries a fresh admin token (or the one <paramref name="token"/> gives).</summary>
    public GrpcChannel Channel(string address, string audience, Func<string>? token = null)
    {
        var channel = TokenChannel.For(address, () => token?.Invoke() ?? Token(audience));
        _channels.Add(channel);
        return channel;
    }

    /// <summary>Runs <c>infra/cluster.sh</c> with this cluster's name and ports; its output, or an exception with it.</summary>
    public Task<string> ScriptAsync(TimeSpan timeout, params string[] args) => _script.RunAsync(timeout, args);

    private static readonly string[] DaemonCategories = ["Marten.", "JasperFx.", "Weasel.", "Ledger.ServiceDefaults.Messaging.IntegrationEventForwarder", "Ledger.ServiceDefaults.EventStore.StoppedShardRestarter"];

    /// <summary>
    /// What a test that waited in vain for <paramref name="service"/>'s integration events prints: its
    /// event store's newest sequence beside each daemon shard's progress (the outbox is the
    /// <c>integration-events</c> shard), the warnings and failures its replicas logged, and the last
    /// lines of their daemons and outboxes.
    /// </summary>
    public async Task<string> DiagnoseOutboxAsync(string service)
    {
        var report = new StringBuilder($"{service}'s event store: ");
        try
        {
            var database = new Npgsql.NpgsqlConnectionStringBuilder(Address("POSTGRES")) { Database = $"ledger_{service}" };
            await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                $"select 'newest event', max(seq_id) from {service}.mt_events union all " +
                $"select name, last_seq_id from {service}.mt_event_progression", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                report.Append($"{reader.GetString(0)} at {(reader.IsDBNull(1) ? "-" : reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture))}; ");
            }
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
        {
            report.Append($"not readable ({e.Message}); ");
        }

        foreach (var log in Directory.GetFiles(Path.Combine(_env["LEDGER_CLUSTER_DIR"], "logs"), $"{service}-*.log").Order())
        {
            var lines = File.ReadAllLines(log);
            string Headline(int i) => $"{lines[i]} {(i + 1 < lines.Length ? lines[i + 1].Trim() : "")}";
            var problems = Enumerable.Range(0, lines.Length)
                .Where(i => lines[i].StartsWith("warn:", StringComparison.Ordinal) || lines[i].StartsWith("fail:", StringComparison.Ordinal))
                .Select(Headline).TakeLast(15);
            // What the daemon and the outbox said, at any level: whether this replica held the lock and ran the forwarder
            // (warnings of other parts, learning's above all, can fill the last fifteen).
            var daemon = Enumerable.Range(0, lines.Length)
                .Where(i => DaemonCategories.Any(c => lines[i].Contains($": {c}", StringComparison.Ordinal)))
                .Select(Headline).TakeLast(25);
            report.Append($"\n{Path.GetFileName(log)}, its last warnings and failures:\n  {string.Join("\n  ", problems)}");
            report.Append($"\n{Path.GetFileName(log)}, the daemon's and the outbox's last lines:\n  {string.Join("\n  ", daemon)}");
        }

        return report.ToString();
    }

    /// <summary>Every license and revocation the tests made, across the class: the feed must hold exactly these revocations.</summary>
    public HashSet<Guid> Revoked { get; } = [];

    public static LicenseTerms Terms(string customer) => new()
    {
        CustomerId = customer, CustomerName = "Cluster Corp", Product = "ledger-cluster",
        Audience = "cluster-verifier", DurationDays = 30, Capabilities = { "sso" },
    };

    public async Task<Guid> IssueAsync(string customer, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Guid.Parse((await Licenses.IssueLicenseAsync(
            new IssueLicenseRequest { IdempotencyKey = idempotencyKey, Terms = Terms(customer) }, cancellationToken: cancellationToken)).License.LicenseId);

    public async Task<Guid> RevokeAsync(Guid licenseId, CancellationToken cancellationToken = default)
    {
        await Revocations.RevokeAsync(
            new RevokeRequest { LicenseId = licenseId.ToString(), Reason = RevocationReason.Superseded }, cancellationToken: cancellationToken);
        return licenseId;
    }

    /// <summary>Issues <paramref name="count"/> licenses in batches and waits until Revocation knows every one.</summary>
    public async Task<IReadOnlyList<Guid>> IssueKnownLicensesAsync(string customer, int count, string prefix)
    {
        var ids = new List<Guid>();
        for (var batch = 0; ids.Count < count; batch++)
        {
            var request = new IssueLicensesRequest { IdempotencyKey = $"{prefix}-batch-{batch}" };
            request.Licenses.AddRange(Enumerable.Range(0, Math.Min(100, count - ids.Count)).Select(_ => Terms(customer)));
            ids.AddRange((await Licenses.IssueLicensesAsync(request)).Licenses.Select(l => Guid.Parse(l.LicenseId)));
        }

        foreach (var id in ids)
        {
            await Eventually.True(async () =>
            {
                try
                {
                    await Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = id.ToString() });
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), $"Revocation to learn license {id}");
        }

        return ids;
    }

    /// <summary>Every license of the test customer in Issuance's ledger, page by page.</summary>
    public async Task<IReadOnlyDictionary<Guid, License>> LedgerLicensesAsync(string customer)
    {
        var all = new Dictionary<Guid, License>();
        var token = "";
        do
        {
            var page = await Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = customer, PageSize = 200, PageToken = token });
            foreach (var license in page.Licenses)
            {
                all.Add(Guid.Parse(license.LicenseId), license);
            }

            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    /// <summary>The full feed through the balancer, verified as an offline verifier does (Notary's JWKS, also through the balancer).</summary>
    public async Task<FeedState> VerifiedFeedAsync()
    {
        using var http = new HttpClient();
        var jwks = JsonWebKeySet.Parse(await http.GetStringAsync(new Uri($"{Address("NOTARY_HTTP")}/.well-known/jwks.json")));
        var feed = await Revocations.GetFeedAsync(new GetFeedRequest());
        var accepted = RevocationFeeds.Accept(feed.Feed, jwks, "ledger", null, DateTimeOffset.UtcNow);
        Assert.True(accepted.IsAccepted, $"The feed was not accepted: {accepted.Status} {accepted.Detail}");
        return accepted.State!;
    }

    /// <summary>
    /// The full feed as each Revocation replica serves it over HTTP (bytes and ETag), read when both
    /// are at the same version; fails if they never are within <paramref name="timeout"/>.
    /// </summary>
    public async Task<IReadOnlyList<(string Replica, byte[] Body, string? ETag)>> FeedFromEachReplicaAsync(TimeSpan timeout)
    {
        using var http = new HttpClient();
        var replicas = Address("REVOCATION_REPLICAS_HTTP").Split(',');
        return await Eventually.Get(async () =>
        {
            var copies = new List<(string, byte[], string?)>();
            foreach (var replica in replicas)
            {
                using var response = await http.GetAsync(new Uri($"{replica}/feeds/revocations"));
                response.EnsureSuccessStatusCode();
                copies.Add((replica, await response.Content.ReadAsByteArrayAsync(), response.Headers.ETag?.Tag));
            }

            // Same version on both (a revocation may land between the two reads): compare then.
            var versions = copies.Select(c => FeedVersion(c.Item2)).Distinct().Count();
            return versions == 1 ? copies : null;
        }, timeout, "both Revocation replicas to serve the same feed version");
    }

    /// <summary>The <c>ver</c> of a feed (a compact JWS, docs/FEEDS.md), from its payload.</summary>
    public static long FeedVersion(byte[] body)
    {
        var payload = Encoding.ASCII.GetString(body).Trim().Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        using var document = JsonDocument.Parse(Convert.FromBase64String(payload));
        return document.RootElement.GetProperty("ver").GetInt64();
    }

    /// <summary>
    /// Calls ListLicenses on each address with the SAME token: the first call is accepted, every
    /// replay (on another replica, or after a restart) must be refused with Unauthenticated.
    /// Returns the status of each call, in order.
    /// </summary>
    public async Task<IReadOnlyList<StatusCode>> ReplayAsync(string token, IEnumerable<string> addresses)
    {
        var statuses = new List<StatusCode>();
        foreach (var address in addresses)
        {
            using var channel = GrpcChannel.ForAddress(address);
            var client = new LicensesClient(channel);
            try
            {
                await client.ListLicensesAsync(
                    new ListLicensesRequest { CustomerId = "replay-check", PageSize = 1 },
                    new Metadata { { "authorization", "Bearer " + token } });
                statuses.Add(StatusCode.OK);
            }
            catch (RpcException e)
            {
                statuses.Add(e.StatusCode);
            }
        }

        return statuses;
    }

    /// <summary>The RabbitMQ node hosting the most leaders of the services' quorum queues (1 to 3), and how many it hosts of how many.</summary>
    public async Task<(int Node, int Leaders, int Queues)> NodeWithMostQueueLeadersAsync()
    {
        var management = new Uri(Address("RABBITMQ_MANAGEMENT"));
        using var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "" }.Uri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
        using var queues = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/queues/%2F?columns=name,type,leader", UriKind.Relative)));
        var leaders = queues.RootElement.EnumerateArray()
            .Where(q => q.GetProperty("type").GetString() == "quorum" && Services.Any(s => q.GetProperty("name").GetString()!.StartsWith(s + "-", StringComparison.Ordinal)))
            .Select(q => q.GetProperty("leader").GetString()!)
            .ToList();
        Assert.True(leaders.Count > 0, "The services declared no quorum queue: is Ledger__Messaging__QuorumQueues=true reaching them?");
        var top = leaders.GroupBy(l => l).OrderByDescending(g => g.Count()).First();
        var node = int.Parse(top.Key[(top.Key.IndexOf("-r", StringComparison.Ordinal) + 2)..top.Key.IndexOf('@', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        return (node, top.Count(), leaders.Count);
    }

    /// <summary>Whether a replica's HTTP health answers 200 at <paramref name="path"/>.</summary>
    public static async Task<bool> IsHealthyAsync(string httpAddress, string path = "/health/ready")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            return (await http.GetAsync(new Uri(httpAddress + path))).StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }
}
