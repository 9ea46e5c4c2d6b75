using Ledger.Crypto;
using Ledger.Revocation.KnownLicenses;
using Ledger.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using V1 = Ledger.IntegrationEvents.V1;

namespace Ledger.Revocation.Tests.Features;

/// <summary>Notary and Revocation only: the test plays Issuance on the broker, so it alone decides the sequence.</summary>
public sealed class LedgerWithRevocationAlone : LedgerServices
{
    public ServiceHost<Program> Revocation { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Revocation = Start<Program>(LedgerWithRevocation.FilterSettings);
        await WaitUntilReadyAsync(Revocation);
    }

    public async Task<KnownLicense?> KnownAsync(Guid id)
    {
        await using var session = Revocation.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<KnownLicense>(id);
    }

    public async Task<LicenseHorizon?> HorizonAsync()
    {
        await using var session = Revocation.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<LicenseHorizon>(LicenseHorizon.DocumentId);
    }

    public static Dictionary<string, object> Sequence(long sequence, long previous) =>
        new() { ["ledger-sequence"] = sequence, ["ledger-previous-sequence"] = previous };
}

public sealed class LearningLicensesTests(LedgerWithRevocationAlone ledger) : IClassFixture<LedgerWithRevocationAlone>
{
    [Fact]
    public async Task issuance_events_delivered_out_of_order_and_twice_are_applied_once_in_issuance_order()
    {
        await using var issuance = await AmqpPublisher.StartAsync(ledger.VirtualHost.Amqp);
        var id = UuidV7.NewId();
        var issuedAt = DateTimeOffset.UtcNow.AddSeconds(-30);
        var firstExpiry = issuedAt.AddDays(30);
        var renewedExpiry = issuedAt.AddDays(400);
        var issued = new V1.LicenseIssued(id, "ledger", "cust", "sub", "flux-enterprise", null, "flux-operator", ["sso"], issuedAt, firstExpiry, issuedAt);
        var renewed = new V1.LicenseRenewed(id, "ledger", firstExpiry, renewedExpiry, 2, issuedAt.AddSeconds(10));
        var changed = new V1.LicenseCapabilitiesChanged(id, "ledger", ["sso", "audit"], 3, issuedAt.AddSeconds(20));
        var renewedId = Guid.NewGuid();

        // The broker hands them over newest first, the renewal twice; the horizon must wait for the first.
        await issuance.PublishAsync("LicenseCapabilitiesChanged", changed, LedgerWithRevocationAlone.Sequence(30, 20));
        await issuance.PublishAsync("LicenseRenewed", renewed, LedgerWithRevocationAlone.Sequence(20, 10), renewedId);
        await issuance.PublishAsync("LicenseRenewed", renewed, LedgerWithRevocationAlone.Sequence(20, 10), renewedId);
        await Eventually.True(() => Task.FromResult(ledger.Revocation.Logs.Lines.Any(l => l.Contains("waits") && l.Contains("up to sequence 10 have not arrived"))),
            TimeSpan.FromSeconds(30), "the log line naming the missing sequence");
        Assert.Null(await ledger.KnownAsync(id));
        Assert.True((await ledger.HorizonAsync())?.Sequence is null or 0);

        await issuance.PublishAsync("LicenseIssued", issued, LedgerWithRevocationAlone.Sequence(10, 0));
        var horizon = await Eventually.Get(async () => await ledger.HorizonAsync() is { Sequence: 30 } h ? h : null,
            TimeSpan.FromSeconds(30), "the horizon to reach sequence 30");
        // A late redelivery of the first event changes nothing.
        await issuance.PublishAsync("LicenseIssued", issued, LedgerWithRevocationAlone.Sequence(10, 0));
        await issuance.PublishAsync("IssuanceHeartbeat", new V1.IssuanceHeartbeat("ledger", issuedAt.AddSeconds(25)), LedgerWithRevocationAlone.Sequence(40, 30));
        await Eventually.True(async () => (await ledger.HorizonAsync())?.Sequence == 40, TimeSpan.FromSeconds(30), "the heartbeat to move the horizon");

        var known = (await ledger.KnownAsync(id))!;
        Assert.Equal(renewedExpiry, known.ExpiresAt);
        Assert.Equal(renewedExpiry, known.LatestExpiresAt);
        Assert.Equal(3, known.Revision);
        Assert.True(known.Learned);
        Assert.Equal(changed.ChangedAt, horizon.At);
        Assert.Equal(issuedAt.AddSeconds(25), (await ledger.HorizonAsync())!.At);
    }
}
