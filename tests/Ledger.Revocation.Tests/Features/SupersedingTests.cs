using System.Text.Json;
using Ledger.Contracts.Issuance.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Verification;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Revocation.Tests.Features;

/// <summary>
/// Downgrades through Issuance, RabbitMQ and Revocation: the revision floor enters the feed and the
/// filter in Issuance's order, the older key is Superseded and the newer one Valid; upgrades publish none.
/// </summary>
public sealed class SupersedingTests(LedgerWithRevocation ledger) : IClassFixture<LedgerWithRevocation>
{
    private static readonly LicenseExpectations Expected = new("ledger", "flux-operator", ["sso"]);

    private Task<LicenseResponse> ChangeAsync(string licenseId, params string[] capabilities) =>
        ledger.Licenses.ChangeCapabilitiesAsync(new ChangeCapabilitiesRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = licenseId, Capabilities = { capabilities },
        }).ResponseAsync;

    private Task<LicenseResponse> RenewAsync(string licenseId, int days) =>
        ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = licenseId, DurationDays = days }).ResponseAsync;

    /// <summary>The full feed, once it holds a revision floor for the license.</summary>
    private async Task<(string Jws, RevocationFeedPayload Payload)> FeedWithFloorAsync(string licenseId, JsonWebKeySet jwks)
    {
        var id = Guid.Parse(licenseId);
        var feed = await Eventually.Get(async () =>
        {
            var jws = await ledger.PullFeedAsync();
            var payload = RevocationFeedPayload.Parse(Jws.Verify(jws, jwks).Payload);
            return payload.Entries.Any(e => e.Id == id && e.Kind == RevocationEntry.Superseded) ? Tuple.Create(jws, payload) : null;
        }, TimeSpan.FromSeconds(60), $"a revision floor for license {licenseId} in the feed");
        return (feed.Item1, feed.Item2);
    }

    private static int RevisionOf(string licenseKey)
    {
        using var claims = JsonDocument.Parse(Base64Url.Decode(licenseKey.Split('.')[1]));
        return claims.RootElement.GetProperty("rev").GetInt32();
    }

    [Fact]
    public async Task a_downgrade_supersedes_the_older_key_in_feed_and_filter_and_the_new_key_stays_valid()
    {
        var issued = await ledger.IssueKnownLicenseAsync("cust-downgrade", 365, "sso", "audit");
        var jwks = await ledger.FetchJwksAsync();
        var before = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);
        Assert.Equal(VerificationStatus.Valid, before.Status);

        var downgraded = (await ChangeAsync(issued.LicenseId, "sso")).License;
        var (feedJws, feed) = await FeedWithFloorAsync(issued.LicenseId, jwks);

        Assert.Equal(1, RevisionOf(issued.LicenseKey));
        Assert.Equal(2, downgraded.Revision);
        Assert.Equal(2, RevisionOf(downgraded.LicenseKey));
        var floor = Assert.Single(feed.Entries, e => e.Kind == RevocationEntry.Superseded && e.Id == Guid.Parse(issued.LicenseId));
        Assert.Equal(2, floor.Revision);
        Assert.Equal("superseded", floor.Reason);
        Assert.Equal(issued.ExpiresAt.ToDateTimeOffset().ToUnixTimeSeconds(), floor.ExpiresAt.ToUnixTimeSeconds());

        // The full feed and the delta from the earlier state both carry it, and the chain covers it.
        var oldKey = LicenseVerifier.Verify(issued.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, feedJws, before.State);
        var newKey = LicenseVerifier.Verify(downgraded.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, feedJws, before.State);
        var delta = LicenseVerifier.Verify(issued.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, await ledger.PullFeedAsync(before.State!.Version), before.State);
        Assert.Equal(VerificationStatus.Superseded, oldKey.Status);
        Assert.Equal(VerificationStatus.Valid, newKey.Status);
        Assert.Equal(VerificationStatus.Superseded, delta.Status);
        Assert.Equal(new RevisionFloor(2, floor.ExpiresAt), oldKey.Feed!.Superseded[Guid.Parse(issued.LicenseId)]);
        Assert.DoesNotContain(Guid.Parse(issued.LicenseId), oldKey.Feed.Revoked);

        // The stored state answers without a new feed; the filter says the same.
        Assert.Equal(VerificationStatus.Superseded, LicenseVerifier.Verify(issued.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, FeedState.Parse(oldKey.Feed.ToJson())).Status);
        var filter = await ledger.PullFilterCoveringAsync(Guid.Parse(issued.LicenseId));
        var filterPayload = RevocationFilterPayload.Parse(Jws.Verify(filter, jwks).Payload);
        Assert.Equal(2, filterPayload.Superseded[Guid.Parse(issued.LicenseId)]);
        Assert.Equal(VerificationStatus.Superseded, LicenseVerifier.VerifyWithFilter(issued.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, filter, null).Status);
        Assert.Equal(VerificationStatus.Valid, LicenseVerifier.VerifyWithFilter(downgraded.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, filter, null).Status);

        // A floor is not a revocation: Watch and revocations.json leave it out, the license is not revoked.
        Assert.False((await ledger.Revocations.GetStatusAsync(new Contracts.Revocation.V1.GetStatusRequest { LicenseId = issued.LicenseId })).Revoked);
        using var http = ledger.Revocation.CreateClient();
        Assert.DoesNotContain(issued.LicenseId, await http.GetStringAsync(new Uri("/feeds/revocations/revocations.json", UriKind.Relative)));

        // Revoked wins over superseded, for every key.
        await ledger.RevokeAsync(issued.LicenseId);
        var revokedFeed = await ledger.PullFeedAsync();
        Assert.Equal(VerificationStatus.Revoked, LicenseVerifier.Verify(issued.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, revokedFeed, oldKey.Feed).Status);
        Assert.Equal(VerificationStatus.Revoked, LicenseVerifier.Verify(downgraded.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, revokedFeed, oldKey.Feed).Status);
    }

    [Fact]
    public async Task an_upgrade_or_a_renewal_publishes_no_floor_and_every_key_since_the_last_downgrade_stays_valid()
    {
        var issued = await ledger.IssueKnownLicenseAsync("cust-upgrade", 365, "sso", "audit");
        var jwks = await ledger.FetchJwksAsync();
        var downgraded = (await ChangeAsync(issued.LicenseId, "sso")).License;
        var upgraded = (await ChangeAsync(issued.LicenseId, "sso", "audit", "ha")).License;
        var renewed = (await RenewAsync(issued.LicenseId, 30)).License;
        Assert.Equal([2, 3, 4], new[] { RevisionOf(downgraded.LicenseKey), RevisionOf(upgraded.LicenseKey), RevisionOf(renewed.LicenseKey) });

        // Issuance's history records each re-keying's revision.
        var history = await ledger.Licenses.GetLicenseHistoryAsync(new GetLicenseHistoryRequest { LicenseId = issued.LicenseId });
        Assert.Equal(["LicenseIssued", "LicenseCapabilitiesChanged", "LicenseCapabilitiesChanged", "LicenseRenewed"], history.Entries.Select(e => e.Event));
        Assert.Equal([1, 2, 3, 4], history.Entries.Select(e => JsonDocument.Parse(e.DataJson).RootElement.GetProperty("Key").GetProperty("Revision").GetInt32()));

        // Revocation learns in Issuance's order: once a later license's floor is in the feed, the upgrade and
        // the renewal above were learned too.
        var later = await ledger.IssueKnownLicenseAsync("cust-upgrade-later", 365, "sso", "audit");
        await ChangeAsync(later.LicenseId, "audit");
        var (feedJws, feed) = await FeedWithFloorAsync(later.LicenseId, jwks);

        var floors = feed.Entries.Where(e => e.Kind == RevocationEntry.Superseded && e.Id == Guid.Parse(issued.LicenseId)).ToList();
        Assert.Equal(2, Assert.Single(floors).Revision);
        Assert.Equal(VerificationStatus.Superseded, LicenseVerifier.Verify(issued.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, feedJws, null).Status);
        foreach (var key in new[] { downgraded, upgraded, renewed })
        {
            Assert.Equal(VerificationStatus.Valid, LicenseVerifier.Verify(key.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, feedJws, null).Status);
        }
    }

    [Fact]
    public async Task a_floor_leaves_the_full_feed_once_every_key_it_supersedes_expired()
    {
        // Something before the floor, so a delta can start below it.
        await ledger.RevokeAsync((await ledger.IssueKnownLicenseAsync("cust-floor-prune-first")).LicenseId);
        var issued = await ledger.IssueKnownLicenseAsync("cust-floor-prune", 365, "sso", "audit");
        var jwks = await ledger.FetchJwksAsync();
        await ChangeAsync(issued.LicenseId, "sso");
        var (_, withFloor) = await FeedWithFloorAsync(issued.LicenseId, jwks);
        var floor = withFloor.Entries.Single(e => e.Kind == RevocationEntry.Superseded && e.Id == Guid.Parse(issued.LicenseId));

        // Time passes for the floor alone: its entry's exp (not hashed into the chain) moves into the past.
        var store = ledger.Revocation.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            var record = await session.Query<Revocations.RevocationRecord>().SingleAsync(r => r.FeedVersion == floor.Version);
            record.LicenseExpiresAt = DateTimeOffset.UtcNow.AddDays(-1);
            session.Store(record);
            await session.SaveChangesAsync();
        }

        // A new version, so the full feed is signed again.
        var other = await ledger.IssueKnownLicenseAsync("cust-floor-prune-other");
        await ledger.RevokeAsync(other.LicenseId);
        var pruned = RevocationFeedPayload.Parse(Jws.Verify(await ledger.PullFeedAsync(), jwks).Payload);

        Assert.NotNull(pruned.PrunedBefore);
        Assert.DoesNotContain(pruned.Entries, e => e.Version == floor.Version);
        Assert.Contains(pruned.Entries, e => e.Id == Guid.Parse(other.LicenseId));
        // A delta never prunes: it still carries the floor.
        var delta = RevocationFeedPayload.Parse(Jws.Verify(await ledger.PullFeedAsync(floor.Version - 1), jwks).Payload);
        Assert.Contains(delta.Entries, e => e.Version == floor.Version && e.Revision == 2);
    }
}
