using Grpc.Core;
using Ledger.Contracts.Admin.V1;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Revocation.KnownLicenses;
using Ledger.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;
using LicensesClient = Ledger.Contracts.Issuance.V1.Licenses.LicensesClient;
using RevocationsClient = Ledger.Contracts.Revocation.V1.Revocations.RevocationsClient;

namespace Ledger.Revocation.Tests.Features;

/// <summary>
/// Issuance runs and publishes before Revocation exists: those messages reach no Revocation queue.
/// Revocation, started later with an empty database, must learn them from Issuance itself.
/// </summary>
public sealed class LedgerWithLateRevocation : LedgerServices
{
    public ServiceHost<Ledger.Issuance.Program> Issuance { get; private set; } = null!;

    public LicensesClient Licenses { get; private set; } = null!;

    /// <summary>What a subscriber bound before anything was published received: Issuance's events as RabbitMQ carried them.</summary>
    public AmqpSubscriber Subscriber { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Subscriber = await AmqpSubscriber.StartAsync(VirtualHost.Amqp, "LicenseIssued", "LicenseRenewed", "LicenseCapabilitiesChanged", "IssuanceHeartbeat");
        Issuance = Start<Ledger.Issuance.Program>(new Dictionary<string, string?> { ["Ledger:Issuance:HeartbeatSeconds"] = "1" });
        Licenses = new LicensesClient(Issuance.CreateChannel());
    }

    public Task<IssueLicenseResponse> IssueAsync(string customer) =>
        Licenses.IssueLicenseAsync(new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new LicenseTerms
            {
                CustomerId = customer, CustomerName = "Example Corp", Product = "flux-enterprise", Audience = "flux-operator",
                DurationDays = 30, Capabilities = { "sso" },
            },
        }).ResponseAsync;

    public override async Task DisposeAsync()
    {
        if (Subscriber is not null)
        {
            await Subscriber.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

public sealed class CatchingUpTests(LedgerWithLateRevocation ledger) : IClassFixture<LedgerWithLateRevocation>
{
    [Fact]
    public async Task a_revocation_started_after_issuance_published_learns_what_its_queues_never_got()
    {
        var issued = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            issued.Add((await ledger.IssueAsync($"early-{i}")).License.LicenseId);
        }

        // Those LicenseIssued messages went out while no Revocation queue was bound: RabbitMQ dropped them for Revocation.
        var published = await ledger.Subscriber.EachAsync(issued, e => e.Type == "LicenseIssued" ? e.Message.GetProperty("licenseId").GetString() : null);
        var lastSequence = published.Values.Max(e => e.Sequence ?? 0);

        var revocation = ledger.Start<Program>(new Dictionary<string, string?> { ["Ledger:Revocation:CatchUp:GraceSeconds"] = "1" });
        var revocations = new RevocationsClient(revocation.CreateChannel());

        // The next heartbeat names a predecessor Revocation never saw; after the grace it asks Issuance.
        foreach (var id in issued)
        {
            await Eventually.True(async () =>
            {
                try
                {
                    await revocations.GetStatusAsync(new GetStatusRequest { LicenseId = id });
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), $"Revocation to learn license {id} from Issuance");
        }

        Assert.True(lastSequence > 0, "the ledger-sequence header of the LicenseIssued messages");
        // Learned in Issuance's order: the horizon passed the last of them.
        await Eventually.True(async () =>
        {
            await using var session = revocation.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return (await session.LoadAsync<LicenseHorizon>(LicenseHorizon.DocumentId))?.Sequence >= lastSequence;
        }, TimeSpan.FromSeconds(30), $"Revocation's horizon to reach Issuance's sequence {lastSequence}");
        await using (var session = revocation.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            foreach (var id in issued)
            {
                var known = await session.LoadAsync<KnownLicense>(Guid.Parse(id));
                Assert.True(known is { Learned: true }, $"license {id} is learned");
            }
        }

        // Nothing is left waiting (a heartbeat that overtook the catch-up waits only until the next pass).
        await Eventually.True(async () =>
        {
            await using var session = revocation.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await session.Query<PendingLicenseEvent>().CountAsync() == 0;
        }, TimeSpan.FromSeconds(30), "no Issuance event waiting");

        // Learned means revocable, and the horizon keeps moving with later events from the broker.
        var revoked = await revocations.RevokeAsync(new RevokeRequest { LicenseId = issued[0], Reason = RevocationReason.KeyCompromise });
        Assert.True(revoked.Revocation.FeedVersion > 0);
        var later = (await ledger.IssueAsync("late-1")).License.LicenseId;
        await Eventually.True(async () =>
        {
            try
            {
                return (await revocations.GetStatusAsync(new GetStatusRequest { LicenseId = later })) is not null;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "Revocation to learn a license issued after it started");
    }

    [Fact]
    public async Task issuance_lists_its_published_events_exactly_as_rabbitmq_carried_them()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(
            ledger.VirtualHost.Amqp, "LicenseIssued", "LicenseRenewed", "LicenseCapabilitiesChanged", "IssuanceHeartbeat");
        var asRevocation = new AdminClient(ledger.Issuance.CreateChannel(() => ledger.Clients.Mint(TestClients.Revocation, "issuance")));
        var before = (await asRevocation.ListPublishedEventsAsync(new ListPublishedEventsRequest { AfterSequence = long.MaxValue / 2 })).PublishedThrough;
        var first = (await ledger.IssueAsync("listed-1")).License.LicenseId;
        var second = (await ledger.IssueAsync("listed-2")).License.LicenseId;

        // The outbox publishes asynchronously: wait until the second license is listed.
        var listed = await Eventually.Get(async () =>
        {
            var page = await asRevocation.ListPublishedEventsAsync(new ListPublishedEventsRequest { AfterSequence = before, MaxEvents = 1000 });
            return page.Events.Any(e => e.MessageJson.Contains(second, StringComparison.Ordinal)) ? page : null;
        }, TimeSpan.FromSeconds(30), "the second license in Issuance's published events");

        // The outbox saves its position after a whole page is confirmed, so events just above `before` may have
        // gone out before the subscriber was bound; from the first license's event on, every event was appended,
        // and so published, after it.
        var afterBinding = listed.Events.SkipWhile(e => !e.MessageJson.Contains(first, StringComparison.Ordinal)).ToList();
        Assert.Contains(afterBinding, e => e.MessageType == "Ledger.IntegrationEvents.V1:LicenseIssued");
        // Every listed event, as RabbitMQ carried it (in any order: the previous-sequence chain, checked below, orders them).
        var carried = await subscriber.EachAsync(afterBinding.Select(e => Guid.Parse(e.MessageId)), r => r.MessageId);

        long? previous = null;
        foreach (var e in afterBinding)
        {
            var onTheWire = carried[Guid.Parse(e.MessageId)];
            Assert.Equal("Ledger.IntegrationEvents.V1:" + onTheWire.Type, e.MessageType);
            Assert.Equal(onTheWire.Sequence, e.Sequence);
            Assert.Equal(onTheWire.PreviousSequence, e.PreviousSequence);
            Assert.True(e.Sequence > before);
            if (previous is not null)
            {
                Assert.Equal(previous, e.PreviousSequence);
            }

            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(
                System.Text.Json.Nodes.JsonNode.Parse(onTheWire.Message.GetRawText()), System.Text.Json.Nodes.JsonNode.Parse(e.MessageJson)),
                $"event {e.Sequence}: listed {e.MessageJson}, on RabbitMQ {onTheWire.Message.GetRawText()}");
            previous = e.Sequence;
        }

        Assert.True(listed.PublishedThrough >= previous);
        // The page after the last one listed continues the chain.
        var next = await asRevocation.ListPublishedEventsAsync(new ListPublishedEventsRequest { AfterSequence = previous!.Value });
        Assert.All(next.Events, e => Assert.True(e.Sequence > previous));
        if (next.Events.Count > 0)
        {
            Assert.Equal(previous, next.Events[0].PreviousSequence);
        }
    }

    [Fact]
    public async Task only_the_event_reader_and_auditor_roles_list_published_events_and_bad_pages_are_refused()
    {
        var asIssuance = new AdminClient(ledger.Issuance.CreateChannel(() => ledger.Clients.Mint(TestClients.Issuance, "issuance")));
        var denied = await Assert.ThrowsAsync<RpcException>(() => asIssuance.ListPublishedEventsAsync(new ListPublishedEventsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        var asAuditor = new AdminClient(ledger.Issuance.CreateChannel(() => ledger.Clients.Mint(TestClients.Auditor, "issuance")));
        var invalid = await Assert.ThrowsAsync<RpcException>(() =>
            asAuditor.ListPublishedEventsAsync(new ListPublishedEventsRequest { AfterSequence = -1, MaxEvents = 5000 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("after_sequence", invalid.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("max_events", invalid.Status.Detail, StringComparison.Ordinal);
        await asAuditor.ListPublishedEventsAsync(new ListPublishedEventsRequest());
    }
}
