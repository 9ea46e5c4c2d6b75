using LicensesClient = Ledger.Contracts.Issuance.V1.Licenses.LicensesClient;
using Ledger.Contracts.Issuance.V1;
using Ledger.Testing;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Issuance.Tests.IntegrationEvents;

/// <summary>Issuance reaches RabbitMQ through a proxy the test can cut; the subscriber connects directly.</summary>
public sealed class LedgerWithCuttableBroker : LedgerServices
{
    public TcpProxy Broker { get; private set; } = null!;

    public ServiceHost<Program> Issuance { get; private set; } = null!;

    public LicensesClient Licenses { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (Broker, var throughProxy) = CuttableBroker();
        Issuance = Start<Program>(throughProxy);
        // Its own consumers' queues (revocations it learns) are bound before a test publishes to them.
        await WaitUntilReadyAsync(Issuance);
        Licenses = new LicensesClient(Issuance.CreateChannel());
    }
}

public sealed class OutboxTests(LedgerWithCuttableBroker ledger) : IClassFixture<LedgerWithCuttableBroker>
{
    [Fact]
    public async Task each_license_event_is_published_with_the_marten_event_id_as_message_id()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "LicenseIssued", "LicenseRenewed", "LicenseCapabilitiesChanged");
        var license = (await ledger.Licenses.IssueLicenseAsync(new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), Terms = LedgerWithIssuance.Terms("cust-outbox"),
        })).License;
        await ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, DurationDays = 5 });
        await ledger.Licenses.ChangeCapabilitiesAsync(new ChangeCapabilitiesRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, Capabilities = { "sso" } });

        var received = new List<ReceivedEvent>();
        for (var i = 0; i < 3; i++)
        {
            received.Add(await subscriber.NextAsync(e => e.Message.GetProperty("licenseId").GetString() == license.LicenseId));
        }

        var store = ledger.Issuance.Services.GetRequiredService<IDocumentStore>();
        var events = await store.QuerySession().Events.FetchStreamAsync(Guid.Parse(license.LicenseId));
        // A publish retried after a reconnect (the previous test cuts the broker) may arrive after a
        // later one; consumers restore the ledger's order from the sequence header (docs/EVENTS.md).
        received = [.. received.OrderBy(r => r.Sequence)];
        Assert.Equal(events.Select(e => (long?)e.Sequence), received.Select(r => r.Sequence));
        Assert.Equal(["LicenseIssued", "LicenseRenewed", "LicenseCapabilitiesChanged"], received.Select(r => r.Type));
        Assert.Equal(events.Select(e => e.Id), received.Select(r => r.MessageId));
        var issued = received[0].Message;
        Assert.Equal("cust-outbox", issued.GetProperty("customerId").GetString());
        Assert.False(issued.TryGetProperty("customerName", out _), "customer names never leave the ledger");
        // Every event that issued a key names the Notary key that signed it (Revocation revokes by it).
        Assert.All(received, r => Assert.Equal(license.Kid, r.Message.GetProperty("signingKeyId").GetString()));
    }

    [Fact]
    public async Task an_event_committed_while_rabbitmq_is_unreachable_is_published_once_it_is_back()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "LicenseIssued");
        ledger.Broker.Cut();
        string licenseId;
        try
        {
            // The write still succeeds: it only needs PostgreSQL.
            var issued = (await ledger.Licenses.IssueLicenseAsync(new IssueLicenseRequest
            {
                IdempotencyKey = Guid.NewGuid().ToString(), Terms = LedgerWithIssuance.Terms("cust-broker-down"),
            })).License;
            await Assert.ThrowsAsync<TimeoutException>(() =>
                subscriber.NextAsync(e => e.Message.GetProperty("licenseId").GetString() == issued.LicenseId, TimeSpan.FromSeconds(3)));
            licenseId = issued.LicenseId;
        }
        finally
        {
            ledger.Broker.Restore();
        }

        var published = await subscriber.NextAsync(e => e.Message.GetProperty("licenseId").GetString() == licenseId, TimeSpan.FromSeconds(90));
        Assert.Equal("LicenseIssued", published.Type);
    }

    [Fact]
    public async Task the_outbox_publishes_on_after_its_progression_row_moved_underneath_it()
    {
        // A PostgreSQL failover can leave the outbox's progression row other than the value the
        // shard last wrote. Marten then stops the shard for good (ProgressionProgressOutOfOrderException)
        // and its coordinator never starts a stopped shard again: nothing more would be published.
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "LicenseIssued");
        var store = ledger.Issuance.Services.GetRequiredService<IDocumentStore>();
        // Two events at least, so the moved row is not 0 (which Marten reads as "no progression yet").
        await IssueAndReceiveAsync(subscriber, "cust-moved-row-0");
        var first = await IssueAndReceiveAsync(subscriber, "cust-moved-row-1");
        var firstSequence = (await store.QuerySession().Events.FetchStreamAsync(Guid.Parse(first))).Max(e => e.Sequence);
        await Eventually.Get(async () => await OutboxPositionAsync(store) >= firstSequence ? "" : null, TimeSpan.FromSeconds(30), "the outbox to save its position");

        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync();
            await using var move = new Npgsql.NpgsqlCommand(
                "update issuance.mt_event_progression set last_seq_id = last_seq_id - 1 where name = 'integration-events:All'", connection);
            Assert.Equal(1, await move.ExecuteNonQueryAsync());
        }

        // The page after the move fails to save its position: the shard stops. Later events still go out.
        await IssueAndReceiveAsync(subscriber, "cust-moved-row-2");
        await IssueAndReceiveAsync(subscriber, "cust-moved-row-3");
        await IssueAndReceiveAsync(subscriber, "cust-moved-row-4");
    }

    private async Task<string> IssueAndReceiveAsync(AmqpSubscriber subscriber, string customer)
    {
        var license = (await ledger.Licenses.IssueLicenseAsync(new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), Terms = LedgerWithIssuance.Terms(customer),
        })).License;
        await subscriber.NextAsync(e => e.Message.GetProperty("licenseId").GetString() == license.LicenseId, TimeSpan.FromSeconds(60));
        return license.LicenseId;
    }

    private static async Task<long> OutboxPositionAsync(IDocumentStore store)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var read = new Npgsql.NpgsqlCommand("select last_seq_id from issuance.mt_event_progression where name = 'integration-events:All'", connection);
        return await read.ExecuteScalarAsync() is long position ? position : 0;
    }

    [Fact]
    public async Task a_redelivered_revocation_is_recorded_once()
    {
        var license = (await ledger.Licenses.IssueLicenseAsync(new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), Terms = LedgerWithIssuance.Terms("cust-dedupe"),
        })).License;
        var bus = ledger.Issuance.Services.GetRequiredService<IBus>();
        var revoked = new Ledger.IntegrationEvents.V1.LicenseRevoked(Guid.Parse(license.LicenseId), "ledger", "keyCompromise", DateTimeOffset.UtcNow, 1);
        var messageId = Guid.NewGuid();

        await bus.Publish(revoked, c => c.MessageId = messageId);
        await bus.Publish(revoked, c => c.MessageId = messageId);
        await bus.Publish(revoked, c => c.MessageId = Guid.NewGuid());

        var recorded = await Eventually.Get(async () =>
        {
            var history = await ledger.Licenses.GetLicenseHistoryAsync(new GetLicenseHistoryRequest { LicenseId = license.LicenseId });
            return history.Entries.Any(e => e.Event == "LicenseRevocationRecorded") ? history : null;
        }, TimeSpan.FromSeconds(30), "the revocation to be recorded");
        await Task.Delay(1000); // let the duplicates arrive too

        var history = await ledger.Licenses.GetLicenseHistoryAsync(new GetLicenseHistoryRequest { LicenseId = license.LicenseId });
        Assert.Single(history.Entries, e => e.Event == "LicenseRevocationRecorded");
        var state = (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = license.LicenseId })).License;
        Assert.Equal(LicenseStatus.Revoked, state.Status);
        Assert.Equal("keyCompromise", state.RevocationReason);
        Assert.NotNull(recorded);
    }
}
