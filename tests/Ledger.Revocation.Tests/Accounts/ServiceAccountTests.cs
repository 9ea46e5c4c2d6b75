using System.Text;
using Ledger.Testing;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Ledger.Revocation.Tests.Accounts;

/// <summary>The accounts of a local ledger, as `make run` creates them, with no service running.</summary>
public sealed class AccountsOnly : IAsyncLifetime
{
    public LedgerInfrastructure Infrastructure { get; private set; } = null!;

    public LocalAccounts Accounts { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Infrastructure = await LedgerInfrastructure.GetAsync();
        Accounts = await LocalAccounts.CreateAsync(Infrastructure);
    }

    public async Task DisposeAsync() => await Accounts.DisposeAsync();
}

/// <summary>
/// Least privilege below the services (docs/SECURITY.md): each service's PostgreSQL role reaches
/// only its own database, and each service's RabbitMQ user publishes only its own events. What
/// the servers refuse, with the accounts infra/accounts.sh made.
/// </summary>
public sealed class ServiceAccountTests(AccountsOnly fixture) : IClassFixture<AccountsOnly>
{
    private static readonly string[] Services = ["notary", "issuance", "revocation", "attestation"];

    [Fact]
    public async Task Issuances_role_is_refused_by_PostgreSQL_at_Notarys_database()
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var connection = new NpgsqlConnection(fixture.Accounts.PostgresOf("issuance", databaseOf: "notary"));
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("select count(*) from pg_tables", connection);
            await read.ExecuteScalarAsync();
        });

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains($"permission denied for database \"ledger_{fixture.Accounts.Instance}_notary\"", refused.MessageText);
    }

    [Fact]
    public async Task Each_services_role_connects_to_its_own_database_and_to_no_other_services()
    {
        foreach (var service in Services)
        {
            foreach (var database in Services)
            {
                await using var connection = new NpgsqlConnection(fixture.Accounts.PostgresOf(service, databaseOf: database));
                if (service == database)
                {
                    await connection.OpenAsync();
                    await using var owner = new NpgsqlCommand("select pg_get_userbyid(datdba) from pg_database where datname = current_database()", connection);
                    Assert.Equal($"ledger_{fixture.Accounts.Instance}_{service}", await owner.ExecuteScalarAsync());
                }
                else
                {
                    var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
                    Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
                }
            }
        }
    }

    [Theory]
    [InlineData("issuance", "LicenseRevoked")]
    [InlineData("issuance", "AttestationRevoked")]
    [InlineData("attestation", "LicenseRevoked")]
    [InlineData("revocation", "LicenseIssued")]
    [InlineData("revocation", "AttestationRevoked")]
    [InlineData("notary", "LicenseRevoked")]
    public async Task A_services_user_is_refused_by_RabbitMQ_when_it_publishes_another_services_event(string service, string otherServicesEvent)
    {
        var exchange = $"Ledger.IntegrationEvents.V1:{otherServicesEvent}";
        await DeclareAsAdminAsync(exchange);

        var refusal = await PublishAsync(fixture.Accounts.RabbitMqOf(service), exchange);

        Assert.NotNull(refusal);
        Assert.Equal(403, refusal.ReplyCode);
        Assert.Contains("ACCESS_REFUSED", refusal.ReplyText);
        Assert.Contains($"exchange '{exchange}'", refusal.ReplyText);
        Assert.Contains($"user 'ledger-{fixture.Accounts.Instance}-{service}'", refusal.ReplyText);
    }

    [Theory]
    [InlineData("issuance", "LicenseIssued")]
    [InlineData("issuance", "IssuanceHeartbeat")]
    [InlineData("issuance", "LicenseImported")]
    [InlineData("revocation", "LicenseRevoked")]
    [InlineData("attestation", "AttestationRevoked")]
    [InlineData("notary", "SigningKeyRotated")]
    public async Task A_services_user_publishes_its_own_events_confirmed_by_the_broker(string service, string ownEvent)
    {
        var exchange = $"Ledger.IntegrationEvents.V1:{ownEvent}";
        await DeclareAsAdminAsync(exchange);

        var refusal = await PublishAsync(fixture.Accounts.RabbitMqOf(service), exchange);

        Assert.Null(refusal);
    }

    /// <summary>The event's exchange as its publisher declares it (MassTransit: fanout, durable).</summary>
    private async Task DeclareAsAdminAsync(string exchange)
    {
        var admin = new UriBuilder(fixture.Infrastructure.RabbitMq) { Path = "/" + fixture.Accounts.VirtualHost }.Uri;
        await using var connection = await new ConnectionFactory { Uri = admin }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
    }

    /// <summary>Publishes to the exchange with publisher confirms; null when confirmed, else why the broker closed the channel.</summary>
    private static async Task<ShutdownEventArgs?> PublishAsync(Uri amqp, string exchange)
    {
        await using var connection = await new ConnectionFactory { Uri = amqp }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            var body = Encoding.UTF8.GetBytes("""{"message":{}}""");
            await channel.BasicPublishAsync(exchange, "", mandatory: false, new BasicProperties { ContentType = "application/vnd.masstransit+json" }, body);
            // A round trip after the publish: a refusal closes the channel before it is answered.
            await channel.ExchangeDeclarePassiveAsync(exchange);
            return null;
        }
        catch (Exception e) when (e is OperationInterruptedException or PublishException)
        {
            return channel.CloseReason ?? (e as OperationInterruptedException)?.ShutdownReason;
        }
    }
}
