using Ledger.Testing;
using Ledger.Verification;
using LicensesClient = Ledger.Contracts.Issuance.V1.Licenses.LicensesClient;
using RevocationsClient = Ledger.Contracts.Revocation.V1.Revocations.RevocationsClient;

namespace Ledger.Revocation.Tests.Features;

/// <summary>Revocation reaches RabbitMQ through a proxy the test cuts; Issuance and the subscriber connect directly.</summary>
public sealed class LedgerWithRevocationBehindCuttableBroker : LedgerServices
{
    public TcpProxy Broker { get; private set; } = null!;

    public ServiceHost<Program> Revocation { get; private set; } = null!;

    public LicensesClient Licenses { get; private set; } = null!;

    public RevocationsClient Revocations { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var (broker, throughProxy) = CuttableBroker();
        Broker = broker;
        Licenses = new LicensesClient(Start<Ledger.Issuance.Program>().CreateChannel());
        Revocation = Start<Program>(throughProxy);
        Revocations = new RevocationsClient(Revocation.CreateChannel());
    }
}

public sealed class BrokerOutageTests(LedgerWithRevocationBehindCuttableBroker ledger) : IClassFixture<LedgerWithRevocationBehindCuttableBroker>
{
    [Fact]
    public async Task revocations_and_feeds_keep_working_while_rabbitmq_is_down_and_the_event_follows_later()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "LicenseRevoked");
        var license = (await ledger.Licenses.IssueLicenseAsync(new Contracts.Issuance.V1.IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new Contracts.Issuance.V1.LicenseTerms
            {
                CustomerId = "cust-outage", CustomerName = "Example Corp", Product = "flux-enterprise", Audience = "flux-operator", DurationDays = 30,
            },
        })).License;
        await Eventually.True(async () =>
        {
            try
            {
                await ledger.Revocations.GetStatusAsync(new Contracts.Revocation.V1.GetStatusRequest { LicenseId = license.LicenseId });
                return true;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "Revocation to learn the license");

        ledger.Broker.Cut();
        try
        {
            await ledger.Revocations.RevokeAsync(new Contracts.Revocation.V1.RevokeRequest { LicenseId = license.LicenseId });
            using var http = ledger.Revocation.CreateClient();
            var feed = await http.GetStringAsync(new Uri("/feeds/revocations", UriKind.Relative));
            var accepted = RevocationFeeds.Accept(feed, await ledger.FetchJwksAsync(), "ledger", null, DateTimeOffset.UtcNow);

            Assert.Equal(VerificationStatus.Valid, accepted.Status);
            Assert.Contains(Guid.Parse(license.LicenseId), accepted.State!.Revoked);
        }
        finally
        {
            ledger.Broker.Restore();
        }

        var published = await subscriber.NextAsync(e => e.Message.GetProperty("licenseId").GetString() == license.LicenseId, TimeSpan.FromSeconds(90));
        Assert.Equal("LicenseRevoked", published.Type);
    }
}
