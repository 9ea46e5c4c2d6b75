using Ledger.Crypto;
using Ledger.Revocation.Features.Feeds;
using Ledger.Revocation.Features.Revoking;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using V1 = Ledger.IntegrationEvents.V1;

namespace Ledger.Revocation.Tests.Features;

/// <summary>
/// LicenseImported (a Flux license key Issuance recorded) takes a place in Issuance's sequence like
/// any license event: Revocation applies it in order (a gap before it waits), learns the license
/// with the key's own expiry, and then revokes it and signs filters with it known.
/// </summary>
public sealed class LearningImportedLicensesTests(LedgerWithRevocationAlone ledger) : IClassFixture<LedgerWithRevocationAlone>
{
    [Fact]
    public async Task an_imported_license_is_learned_in_issuance_order_and_revoked_until_its_own_expiry()
    {
        await using var issuance = await AmqpPublisher.StartAsync(ledger.VirtualHost.Amqp);
        var keyIssuedAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(-100).ToUnixTimeSeconds());
        var importedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        var fluxId = UuidV6.NewId(keyIssuedAt);
        var expiresAt = keyIssuedAt.AddDays(365);
        var imported = new V1.LicenseImported(fluxId, "ledger", "controlplane", "c-0123456789abcdef", "flux-operator", null, "flux-operator", ["feature1"],
            keyIssuedAt, expiresAt, keyIssuedAt, importedAt);
        var issued = new V1.LicenseIssued(UuidV7.NewId(), "ledger", "cust", "sub", "flux-enterprise", null, "acme-app", [], importedAt.AddSeconds(-10),
            importedAt.AddDays(30), importedAt.AddSeconds(-10));

        await issuance.PublishAsync("LicenseImported", imported, LedgerWithRevocationAlone.Sequence(20, 10));
        await Eventually.True(() => Task.FromResult(ledger.Revocation.Logs.Lines.Any(l => l.Contains("Issuance event 20 (LicenseImported) waits"))),
            TimeSpan.FromSeconds(30), "the imported license to wait for sequence 10");
        Assert.Null(await ledger.KnownAsync(fluxId));

        await issuance.PublishAsync("LicenseIssued", issued, LedgerWithRevocationAlone.Sequence(10, 0));
        var horizon = await Eventually.Get(async () => await ledger.HorizonAsync() is { Sequence: 20 } h ? h : null,
            TimeSpan.FromSeconds(30), "the horizon to pass the imported license");

        var known = (await ledger.KnownAsync(fluxId))!;
        Assert.True(known.Learned);
        Assert.Equal(1, known.Revision);
        Assert.Equal(expiresAt, known.ExpiresAt);
        Assert.Equal(keyIssuedAt, known.IssuedAt);
        // The horizon moves by Issuance's decision time, not by the key's old iat.
        Assert.Equal(importedAt, horizon.At);

        // A known, unrevoked UUIDv6 license is no reason for the filter to fail: it is left to the feed.
        var filter = await ledger.Revocation.Services.GetRequiredService<FilterPublisher>().GetAsync(CancellationToken.None);
        Assert.Equal("filter", filter.Kind);

        var revoked = await ledger.Revocation.Services.GetRequiredService<Revoker>().RevokeAsync(fluxId, "keyCompromise", null, "test", CancellationToken.None);
        Assert.True(revoked.NewlyRevoked);
        Assert.Equal(expiresAt, revoked.Record.LicenseExpiresAt);
    }
}
