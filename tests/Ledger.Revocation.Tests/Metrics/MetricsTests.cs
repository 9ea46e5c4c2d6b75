using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Testing;
using LicensesClient = Ledger.Contracts.Issuance.V1.Licenses.LicensesClient;
using RevocationsClient = Ledger.Contracts.Revocation.V1.Revocations.RevocationsClient;

namespace Ledger.Revocation.Tests.Metrics;

/// <summary>Issuance, and Revocation behind a broker the test can cut, for an issuer of this class alone.</summary>
public sealed class LedgerWithMetrics : LedgerServices
{
    public string Issuer { get; } = "metrics-" + Guid.NewGuid().ToString("n")[..8];

    public TcpProxy Broker { get; private set; } = null!;

    public ServiceHost<Program> Revocation { get; private set; } = null!;

    public LicensesClient Licenses { get; private set; } = null!;

    public RevocationsClient Revocations { get; private set; } = null!;

    public string RevocationDatabase => new Npgsql.NpgsqlConnectionStringBuilder(ServiceDatabase("revocation")).Database!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Every service of this deployment, Notary included, signs for this class's issuer.
        DeploymentSettings["Ledger:Issuance:Issuer"] = Issuer;
        var (broker, throughProxy) = CuttableBroker();
        Broker = broker;
        Revocation = Start<Program>(throughProxy);
        await WaitUntilReadyAsync(Revocation);
        Licenses = new LicensesClient(Start<Ledger.Issuance.Program>().CreateChannel());
        Revocations = new RevocationsClient(Revocation.CreateChannel());
    }

    public async Task<string> IssueKnownLicenseAsync()
    {
        var license = (await Licenses.IssueLicenseAsync(new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new LicenseTerms { CustomerId = "cust-metrics", CustomerName = "Example Corp", Product = "flux-enterprise", Audience = "flux-operator", DurationDays = 30 },
        })).License;
        await Eventually.True(async () =>
        {
            try
            {
                await Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = license.LicenseId });
                return true;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "Revocation to learn the license");
        return license.LicenseId;
    }

    public async Task<PrometheusScrape> ScrapeAsync()
    {
        using var http = Revocation.CreateMetricsClient();
        return await PrometheusScrape.FromAsync(http);
    }
}

public sealed class MetricsTests(LedgerWithMetrics ledger) : IClassFixture<LedgerWithMetrics>
{
    private const string Outbox = Ledger.ServiceDefaults.Messaging.IntegrationEventForwarder.SubscriptionName + ":All";

    [Fact]
    public async Task after_one_revocation_the_feed_version_gauge_is_1_and_its_age_is_seconds()
    {
        var licenseId = await ledger.IssueKnownLicenseAsync();
        await ledger.Revocations.RevokeAsync(new RevokeRequest { LicenseId = licenseId, Reason = RevocationReason.KeyCompromise });

        using var http = ledger.Revocation.CreateClient();
        (await http.GetAsync(new Uri("/feeds/revocations", UriKind.Relative))).EnsureSuccessStatusCode();
        var scrape = await ledger.ScrapeAsync();

        Assert.Equal(1, scrape.Value("ledger_feed_version", ("issuer", ledger.Issuer)));
        var age = scrape.Value("ledger_feed_age_seconds", ("issuer", ledger.Issuer));
        Assert.NotNull(age);
        Assert.InRange(age.Value, 0, 30);
    }

    [Fact]
    public async Task the_outbox_lag_grows_while_rabbitmq_is_down_and_returns_to_0_once_it_caught_up()
    {
        var licenseId = await ledger.IssueKnownLicenseAsync();
        var shard = new[] { ("database", ledger.RevocationDatabase), ("shard", Outbox) };
        await WithDaemonSeriesOnTimeout(() => Eventually.True(async () => (await ledger.ScrapeAsync()).Value("ledger_daemon_lag", shard) == 0,
            TimeSpan.FromSeconds(60), "the outbox lag gauge to read 0"));

        ledger.Broker.Cut();
        try
        {
            await ledger.Revocations.RevokeAsync(new RevokeRequest { LicenseId = licenseId, Reason = RevocationReason.Superseded });
            // The revocation is committed but cannot be published: it is behind the outbox (lag), or,
            // while the daemon has not yet raised its high-water mark past it, above that mark.
            await WithDaemonSeriesOnTimeout(() => Eventually.True(async () =>
            {
                var scrape = await ledger.ScrapeAsync();
                return scrape.Value("ledger_daemon_lag", shard) + scrape.Value("ledger_daemon_high_water_lag", ("database", ledger.RevocationDatabase)) >= 1;
            }, TimeSpan.FromSeconds(60), "the daemon gauges to show the unpublished revocation"));
        }
        finally
        {
            ledger.Broker.Restore();
        }

        await WithDaemonSeriesOnTimeout(() => Eventually.True(async () =>
        {
            var scrape = await ledger.ScrapeAsync();
            return scrape.Value("ledger_daemon_lag", shard) == 0
                && scrape.Value("ledger_daemon_high_water_lag", ("database", ledger.RevocationDatabase)) == 0;
        }, TimeSpan.FromSeconds(120), "the outbox to catch up and its lag to return to 0"));
    }

    private async Task WithDaemonSeriesOnTimeout(Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (TimeoutException e)
        {
            var series = (await ledger.ScrapeAsync()).Text.Split('\n').Where(l => l.StartsWith("ledger_daemon", StringComparison.Ordinal));
            throw new TimeoutException($"{e.Message} The daemon series were:\n{string.Join('\n', series)}\nRevocation's log:\n{string.Join('\n', ledger.Revocation.Logs.Lines.Where(l => l.Contains("Publish", StringComparison.Ordinal) || l.Contains("integration-events", StringComparison.Ordinal) || l.Contains("gap", StringComparison.OrdinalIgnoreCase) || l.Contains("daemon's progress", StringComparison.Ordinal)).Where(l => !l.Contains("Received ShardName", StringComparison.Ordinal)).TakeLast(12))}", e);
        }
    }
}
