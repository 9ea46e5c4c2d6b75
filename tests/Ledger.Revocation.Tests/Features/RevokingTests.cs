using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Verification;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Revocation.Tests.Features;

public sealed class RevokingTests(LedgerWithRevocation ledger) : IClassFixture<LedgerWithRevocation>
{
    private static readonly LicenseExpectations Expected = new("ledger", "flux-operator", ["sso"]);

    [Fact]
    public async Task a_revoked_license_fails_offline_verification_with_the_pulled_feed()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-offline");
        var jwks = await ledger.FetchJwksAsync();
        var before = LicenseVerifier.Verify(license.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, await ledger.PullFeedAsync(), null);
        Assert.Equal(VerificationStatus.Valid, before.Status);

        var revoked = await ledger.RevokeAsync(license.LicenseId);
        var after = LicenseVerifier.Verify(license.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, await ledger.PullFeedAsync(), before.Feed);

        Assert.True(revoked.NewlyRevoked);
        Assert.Equal(VerificationStatus.Revoked, after.Status);
        Assert.Equal(revoked.Revocation.FeedVersion, after.Feed!.Version);
    }

    [Fact]
    public async Task a_delta_since_the_previous_version_holds_exactly_the_new_revocation()
    {
        var first = await ledger.IssueKnownLicenseAsync("cust-delta-1");
        var second = await ledger.IssueKnownLicenseAsync("cust-delta-2");
        var jwks = await ledger.FetchJwksAsync();
        await ledger.RevokeAsync(first.LicenseId);
        var state = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);
        Assert.Equal(VerificationStatus.Valid, state.Status);

        var revoked = await ledger.RevokeAsync(second.LicenseId, RevocationReason.Superseded);
        var deltaJws = await ledger.PullFeedAsync(state.State!.Version);
        var delta = RevocationFeedPayload.Parse(Jws.Verify(deltaJws, jwks).Payload);
        var applied = RevocationFeeds.Accept(deltaJws, jwks, "ledger", state.State, DateTimeOffset.UtcNow);

        Assert.Equal("delta", delta.Kind);
        Assert.Equal(state.State.Version, delta.BaseVersion);
        var entry = Assert.Single(delta.Entries);
        Assert.Equal(Guid.Parse(second.LicenseId), entry.Id);
        Assert.Equal("superseded", entry.Reason);
        Assert.Equal(revoked.Revocation.FeedVersion, entry.Version);
        Assert.Equal(VerificationStatus.Valid, applied.Status);
        Assert.Contains(Guid.Parse(first.LicenseId), applied.State!.Revoked);
        Assert.Contains(Guid.Parse(second.LicenseId), applied.State.Revoked);
    }

    [Fact]
    public async Task an_older_feed_than_the_verifiers_last_is_rejected_as_a_rollback()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-rollback");
        var jwks = await ledger.FetchJwksAsync();
        var oldFeed = await ledger.PullFeedAsync();
        await ledger.RevokeAsync(license.LicenseId);
        var current = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);

        var verdict = LicenseVerifier.Verify(license.LicenseKey, jwks, Expected, DateTimeOffset.UtcNow, oldFeed, current.State);

        Assert.Equal(VerificationStatus.FeedRolledBack, verdict.Status);
    }

    [Fact]
    public async Task an_expired_feed_is_rejected_as_stale()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-stale");
        var feed = await ledger.PullFeedAsync();
        var expiresAt = RevocationFeedPayload.Parse(Jws.Verify(feed, await ledger.FetchJwksAsync()).Payload).ExpiresAt;

        var verdict = LicenseVerifier.Verify(license.LicenseKey, await ledger.FetchJwksAsync(), Expected, expiresAt.AddMinutes(10), feed, null);

        Assert.Equal(VerificationStatus.FeedStale, verdict.Status);
    }

    [Fact]
    public async Task a_feed_with_a_tampered_entry_or_signed_by_another_key_fails()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-tamper");
        await ledger.RevokeAsync(license.LicenseId);
        var jwks = await ledger.FetchJwksAsync();
        var feed = await ledger.PullFeedAsync();
        var parts = feed.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Base64Url.Decode(parts[1]));
        var tampered = $"{parts[0]}.{Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(payload.Replace(license.LicenseId, UuidV7.NewId().ToString())))}.{parts[2]}";
        using var otherKey = Ed25519SigningKey.Generate();
        var forged = Jws.Sign(Base64Url.Decode(parts[1]), otherKey, otherKey.ToJwk("forger", false).Kid!, "revocation-feed+jwt");

        Assert.Equal(VerificationStatus.FeedSignatureInvalid, RevocationFeeds.Accept(tampered, jwks, "ledger", null, DateTimeOffset.UtcNow).Status);
        Assert.Equal(VerificationStatus.FeedSignatureInvalid, RevocationFeeds.Accept(forged, jwks, "ledger", null, DateTimeOffset.UtcNow).Status);
    }

    [Fact]
    public async Task revoking_twice_returns_the_first_record()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-twice");

        var first = await ledger.RevokeAsync(license.LicenseId, RevocationReason.KeyCompromise);
        var second = await ledger.RevokeAsync(license.LicenseId, RevocationReason.Superseded);

        Assert.True(first.NewlyRevoked);
        Assert.False(second.NewlyRevoked);
        Assert.Equal(first.Revocation, second.Revocation);
    }

    [Fact]
    public async Task revoking_by_presenting_the_license_key_checks_its_signature_first()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-by-key");
        using var otherKey = Ed25519SigningKey.Generate();
        var parts = license.LicenseKey.Split('.');
        var forged = Jws.Sign(Base64Url.Decode(parts[1]), otherKey, license.Kid, "license+jwt");

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Revocations.RevokeAsync(new RevokeRequest { LicenseKey = forged }).ResponseAsync);
        var revoked = await ledger.Revocations.RevokeAsync(new RevokeRequest { LicenseKey = license.LicenseKey, Reason = RevocationReason.CessationOfOperation });

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(license.LicenseId, revoked.Revocation.LicenseId);
        Assert.Equal("cessationOfOperation", revoked.Revocation.Reason);
    }

    [Fact]
    public async Task unknown_and_malformed_ids_are_not_found_and_invalid_argument()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() => ledger.RevokeAsync(UuidV7.NewId().ToString()));
        var malformed = await Assert.ThrowsAsync<RpcException>(() => ledger.RevokeAsync("1; drop table"));
        var missing = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeAsync(new RevokeRequest()).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
    }

    [Fact]
    public async Task subscribers_receive_license_revoked_and_issuance_records_it_in_the_licenses_history()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "LicenseRevoked");
        var license = await ledger.IssueKnownLicenseAsync("cust-subscriber");

        var revoked = await ledger.RevokeAsync(license.LicenseId);

        var published = await subscriber.NextAsync(e => e.Message.GetProperty("licenseId").GetString() == license.LicenseId);
        Assert.Equal("keyCompromise", published.Message.GetProperty("reason").GetString());
        Assert.Equal(revoked.Revocation.FeedVersion, published.Message.GetProperty("feedVersion").GetInt64());
        var history = await Eventually.Get(async () =>
        {
            var h = await ledger.Licenses.GetLicenseHistoryAsync(new GetLicenseHistoryRequest { LicenseId = license.LicenseId });
            return h.Entries.Any(e => e.Event == "LicenseRevocationRecorded") ? h : null;
        }, TimeSpan.FromSeconds(60), "Issuance to record the revocation");
        Assert.Equal(["LicenseIssued", "LicenseRevocationRecorded"], history.Entries.Select(e => e.Event));
    }

    [Fact]
    public async Task the_watch_stream_delivers_a_revocation_to_a_subscriber_that_connected_before_it()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-watch");
        var head = await ledger.Revocations.GetFeedAsync(new GetFeedRequest());
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var watch = ledger.Revocations.Watch(new WatchRequest { AfterVersion = head.Version }, cancellationToken: cancellation.Token);
        var next = Task.Run(async () =>
        {
            await watch.ResponseStream.MoveNext(cancellation.Token);
            return watch.ResponseStream.Current;
        });
        await Task.Delay(300);

        await ledger.RevokeAsync(license.LicenseId);

        var received = await next;
        Assert.Equal(license.LicenseId, received.LicenseId);
        await cancellation.CancelAsync();
    }

    [Fact]
    public async Task a_withdrawn_attestation_enters_the_feed_beside_licenses()
    {
        var attestationId = UuidV7.NewId();
        var bus = ledger.Revocation.Services.GetRequiredService<IBus>();
        var withdrawn = new Ledger.IntegrationEvents.V1.AttestationRevoked(attestationId, "keyCompromise", DateTimeOffset.UtcNow, null);

        await bus.Publish(withdrawn, c => c.MessageId = Guid.NewGuid());
        await bus.Publish(withdrawn, c => c.MessageId = Guid.NewGuid());

        var jwks = await ledger.FetchJwksAsync();
        var entry = await Eventually.Get(async () =>
        {
            var feed = RevocationFeedPayload.Parse(Jws.Verify(await ledger.PullFeedAsync(), jwks).Payload);
            return feed.Entries.FirstOrDefault(e => e.Id == attestationId);
        }, TimeSpan.FromSeconds(30), "the attestation to appear in the feed");
        Assert.Equal("attestation", entry.Kind);
        var accepted = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);
        Assert.Contains(attestationId, accepted.State!.Revoked);
        var feedAgain = RevocationFeedPayload.Parse(Jws.Verify(await ledger.PullFeedAsync(), jwks).Payload);
        Assert.Single(feedAgain.Entries, e => e.Id == attestationId);
    }

    [Fact]
    public async Task the_feed_answers_304_to_its_etag()
    {
        using var http = ledger.Revocation.CreateClient();
        using var first = await http.GetAsync(new Uri("/feeds/revocations", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/revocations");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var second = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal("application/jose", first.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task a_full_feed_prunes_only_licenses_whose_every_key_expired_and_says_so()
    {
        var live = await ledger.IssueKnownLicenseAsync("cust-prune-live");
        await ledger.RevokeAsync(live.LicenseId);
        var jwks = await ledger.FetchJwksAsync();
        var unpruned = await ledger.PullFeedAsync();
        Assert.Null(RevocationFeedPayload.Parse(Jws.Verify(unpruned, jwks).Payload).PrunedBefore);
        // Nothing pruned: the verifier refolds the whole chain from chain(0), through its stored state.
        var stored = RevocationFeeds.Accept(unpruned, jwks, "ledger", null, DateTimeOffset.UtcNow);
        Assert.Equal(VerificationStatus.Valid, stored.Status);

        // A revoked license whose every key expired leaves the full feed, and the feed says from when.
        var store = ledger.Revocation.Services.GetRequiredService<Marten.IDocumentStore>();
        var expired = UuidV7.NewId(DateTimeOffset.UtcNow.AddDays(-40));
        await using (var session = store.LightweightSession())
        {
            session.Insert(new KnownLicenses.KnownLicense
            {
                Id = expired, Issuer = "ledger", IssuedAt = DateTimeOffset.UtcNow.AddDays(-40), ExpiresAt = DateTimeOffset.UtcNow.AddDays(-10),
                LatestExpiresAt = DateTimeOffset.UtcNow.AddDays(-10), Revision = 1, Learned = true,
            });
            await session.SaveChangesAsync();
        }

        await ledger.RevokeAsync(expired.ToString());
        var pruned = RevocationFeedPayload.Parse(Jws.Verify(await ledger.PullFeedAsync(), jwks).Payload);

        Assert.NotNull(pruned.PrunedBefore);
        Assert.DoesNotContain(pruned.Entries, e => e.Id == expired);
        Assert.Contains(pruned.Entries, e => e.Id == Guid.Parse(live.LicenseId));
    }
}
