using System.Net;
using Grpc.Health.V1;
using Ledger.Testing;
using HealthClient = Grpc.Health.V1.Health.HealthClient;

namespace Ledger.ServiceDefaults.Tests.Hosting;

/// <summary>Notary and Revocation reach RabbitMQ through a proxy the test cuts.</summary>
public sealed class LedgerBehindCuttableBroker : LedgerServices
{
    public TcpProxy Broker { get; private set; } = null!;

    public ServiceHost<Ledger.Revocation.Program> Revocation { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var (broker, throughProxy) = CuttableBroker();
        Broker = broker;
        Revocation = Start<Ledger.Revocation.Program>(throughProxy);
        await WaitUntilReadyAsync(Revocation);
    }
}

public sealed class ReadinessTests(LedgerBehindCuttableBroker ledger) : IClassFixture<LedgerBehindCuttableBroker>
{
    [Fact]
    public async Task a_rabbitmq_outage_shows_in_publishing_health_but_keeps_the_replica_ready_and_serving_feeds()
    {
        using var http = ledger.Revocation.CreateClient();
        var health = new HealthClient(ledger.Revocation.CreateChannel());
        ledger.Broker.Cut();
        try
        {
            var last = "";
            try
            {
                await Eventually.True(async () =>
                {
                    var response = await http.GetAsync(new Uri("/health/publishing", UriKind.Relative));
                    last = await response.Content.ReadAsStringAsync();
                    return response.StatusCode != HttpStatusCode.OK;
                }, TimeSpan.FromSeconds(60), "the publishing health to show the broker down");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message} Last answer: {last}", e);
            }

            var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            var feed = await http.GetAsync(new Uri("/feeds/revocations", UriKind.Relative));
            var serving = await health.CheckAsync(new HealthCheckRequest());

            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var readiness = await ready.Content.ReadAsStringAsync();
            Assert.DoesNotContain("rabbitmq", readiness, StringComparison.Ordinal);
            Assert.DoesNotContain("masstransit", readiness, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, serving.Status);
        }
        finally
        {
            ledger.Broker.Restore();
        }

        await Eventually.True(async () => (await http.GetAsync(new Uri("/health/publishing", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "the publishing health to recover with the broker");
    }
}
