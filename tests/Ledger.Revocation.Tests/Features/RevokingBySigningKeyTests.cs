using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Notary.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Verification;

namespace Ledger.Revocation.Tests.Features;

/// <summary>Its own ledger: a revocation by signing key selects across every license the class issued.</summary>
public sealed class RevokingBySigningKeyTests(LedgerWithRevocation ledger) : IClassFixture<LedgerWithRevocation>
{
    [Fact]
    public async Task revoking_by_a_signing_key_revokes_exactly_the_unrevoked_licenses_it_signed_in_one_feed_step()
    {
        var first = await ledger.IssueKnownLicenseAsync("cust-kid-a");
        var second = await ledger.IssueKnownLicenseAsync("cust-kid-b");
        var revokedBefore = await ledger.IssueKnownLicenseAsync("cust-kid-a");
        await ledger.RevokeAsync(revokedBefore.LicenseId);
        var oldKid = first.Kid;
        Assert.Equal(oldKid, Jws.Verify(first.LicenseKey, await ledger.FetchJwksAsync()).Kid);

        var rotation = await new Keys.KeysClient(ledger.Notary.CreateChannel()).RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.License, Reason = "kid test" });
        var newKid = rotation.NewKey.Kid;
        var third = await ledger.IssueKnownLicenseAsync("cust-kid-a");
        var fourth = await ledger.IssueKnownLicenseAsync("cust-kid-c");
        // The second license gets a key signed by the new key too: a key of it is still the old key's.
        var renewed = (await ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = second.LicenseId, DurationDays = 30,
        })).License;
        await Eventually.True(async () =>
            (await ledger.Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = second.LicenseId })).LicenseExpiresAt.ToDateTimeOffset() == renewed.ExpiresAt.ToDateTimeOffset(),
            TimeSpan.FromSeconds(60), "Revocation to learn the renewal");
        Assert.Equal(newKid, third.Kid);
        Assert.Equal(newKid, renewed.Kid);
        Assert.NotEqual(oldKid, newKid);

        var jwks = await ledger.FetchJwksAsync();
        var before = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);
        var request = new RevokeLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString(), SigningKeyId = oldKid, Reason = RevocationReason.KeyCompromise };
        var response = await ledger.Revocations.RevokeLicensesAsync(request);

        Assert.Equal(new[] { first.LicenseId, second.LicenseId }.Order(), response.RevokedLicenseIds.Order());
        Assert.Empty(response.AlreadyRevokedLicenseIds);
        Assert.False(response.MoreRemaining);
        Assert.Equal(before.State!.Version + 1, response.FirstFeedVersion);
        Assert.Equal(before.State.Version + 2, response.FeedVersion);

        // One delta from the version before holds the whole batch, and nothing else.
        var deltaJws = await ledger.PullFeedAsync(before.State.Version);
        var delta = RevocationFeedPayload.Parse(Jws.Verify(deltaJws, jwks).Payload);
        var applied = RevocationFeeds.Accept(deltaJws, jwks, "ledger", before.State, DateTimeOffset.UtcNow);
        Assert.Equal(VerificationStatus.Valid, applied.Status);
        Assert.Equal(response.FeedVersion, delta.Version);
        Assert.Equal(response.RevokedLicenseIds, delta.Entries.Select(e => e.Id.ToString()));
        Assert.All(delta.Entries, e => Assert.Equal("keyCompromise", e.Reason));
        Assert.Single(delta.Entries.Select(e => e.RevokedAt).Distinct());
        Assert.DoesNotContain(Guid.Parse(third.LicenseId), applied.State!.Revoked);
        Assert.DoesNotContain(Guid.Parse(fourth.LicenseId), applied.State.Revoked);
        Assert.Equal(response.FeedVersion, (await ledger.Revocations.GetFeedAsync(new GetFeedRequest())).Version);

        // A retry returns the first answer; a new request finds nothing left to revoke and changes nothing.
        var retry = await ledger.Revocations.RevokeLicensesAsync(request);
        Assert.Equal(response, retry);
        var again = await ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString(), SigningKeyId = oldKid });
        Assert.Empty(again.RevokedLicenseIds);
        Assert.Equal(response.FeedVersion, again.FeedVersion);

        // The new key's licenses are its own: the renewed license, already revoked, is not selected again.
        var byNewKey = await ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString(), SigningKeyId = newKid });
        Assert.Equal(new[] { third.LicenseId, fourth.LicenseId }.Order(), byNewKey.RevokedLicenseIds.Order());
        Assert.Equal(response.FeedVersion + 2, byNewKey.FeedVersion);
    }

    [Fact]
    public async Task an_unknown_or_malformed_signing_key_is_refused_and_nothing_is_revoked()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-kid-unknown");
        var head = await ledger.Revocations.GetFeedAsync(new GetFeedRequest());
        var unknownKid = UuidV7.NewId().ToString();

        var unknown = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), SigningKeyId = unknownKid,
        }).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), SigningKeyId = $" {license.Kid}",
        }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains(unknownKid, unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("nothing was revoked", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Contains("signing_key_id", malformed.Status.Detail, StringComparison.Ordinal);
        Assert.False((await ledger.Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = license.LicenseId })).Revoked);
        Assert.Equal(head.Version, (await ledger.Revocations.GetFeedAsync(new GetFeedRequest())).Version);
    }
}
