using Grpc.Core;
using JasperFx;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.KnownLicenses;
using Ledger.Testing;
using Ledger.Verification;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Revocation.Tests.Features;

public sealed class BulkRevokingTests(LedgerWithRevocation ledger) : IClassFixture<LedgerWithRevocation>
{
    [Fact]
    public async Task revoking_every_license_of_a_customer_is_one_step_of_the_feed_and_reaches_subscribers()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "LicenseRevoked");
        var customers = await IssueKnownLicensesAsync("cust-bulk", 6);
        var other = await ledger.IssueKnownLicenseAsync("cust-bulk-other");
        var jwks = await ledger.FetchJwksAsync();
        var before = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);

        var response = await ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), CustomerId = "cust-bulk", Reason = RevocationReason.CessationOfOperation,
        });

        Assert.Equal(customers.Select(l => l.LicenseId).Order(), response.RevokedLicenseIds.Order());
        Assert.Empty(response.AlreadyRevokedLicenseIds);
        Assert.Equal(before.State!.Version + 1, response.FirstFeedVersion);
        Assert.Equal(before.State.Version + customers.Count, response.FeedVersion);

        // A verifier at the version before the batch gets all of it in one delta, and the head is its last entry.
        var deltaJws = await ledger.PullFeedAsync(before.State.Version);
        var delta = RevocationFeedPayload.Parse(Jws.Verify(deltaJws, jwks).Payload);
        var applied = RevocationFeeds.Accept(deltaJws, jwks, "ledger", before.State, DateTimeOffset.UtcNow);
        Assert.Equal(VerificationStatus.Valid, applied.Status);
        Assert.Equal(response.FeedVersion, delta.Version);
        Assert.Equal(response.RevokedLicenseIds, delta.Entries.Select(e => e.Id.ToString()));
        Assert.All(delta.Entries, e => Assert.Equal("cessationOfOperation", e.Reason));
        Assert.Single(delta.Entries.Select(e => e.RevokedAt).Distinct());
        Assert.DoesNotContain(Guid.Parse(other.LicenseId), applied.State!.Revoked);

        foreach (var license in customers)
        {
            var status = await ledger.Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = license.LicenseId });
            Assert.True(status.Revoked);
        }

        await subscriber.EachAsync(customers.Select(l => l.LicenseId), e => e.Message.GetProperty("licenseId").GetString());

        var untouched = await ledger.Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = other.LicenseId });
        Assert.False(untouched.Revoked);

        // Each known license is marked revoked in the batch's commit (what a re-keying check reads).
        await using var session = ledger.Revocation.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var known = await session.LoadManyAsync<KnownLicense>(customers.Select(l => Guid.Parse(l.LicenseId)));
        Assert.Equal(customers.Count, known.Count);
        Assert.All(known, l => Assert.Equal(delta.Entries[0].RevokedAt, l.RevokedAt));
        Assert.Null((await session.LoadAsync<KnownLicense>(Guid.Parse(other.LicenseId)))!.RevokedAt);
    }

    [Fact]
    public async Task a_license_written_after_the_batch_read_it_fails_the_batch_and_the_batch_changes_nothing()
    {
        var licenses = await IssueKnownLicensesAsync("cust-bulk-conflict", 3);
        var ids = licenses.Select(l => Guid.Parse(l.LicenseId)).ToArray();
        var store = ledger.Revocation.Services.GetRequiredService<IDocumentStore>();
        var extendedTo = DateTimeOffset.UtcNow.AddDays(500);

        await using (var batch = store.LightweightSession())
        {
            var read = (await batch.LoadManyAsync<KnownLicense>(ids)).ToList();
            // A re-keying check extends the second license between the batch's read and its write.
            await using (var rekey = store.LightweightSession())
            {
                var license = (await rekey.LoadAsync<KnownLicense>(ids[1]))!;
                license.Extend(extendedTo);
                rekey.Store(license);
                await rekey.SaveChangesAsync();
            }

            read.ForEach(l => l.RevokedAt = DateTimeOffset.UtcNow);
            await Assert.ThrowsAsync<ConcurrencyException>(() => BatchDocuments.UpdateAsync(batch, read, CancellationToken.None));
        }

        await using var query = store.QuerySession();
        var after = (await query.LoadManyAsync<KnownLicense>(ids)).ToDictionary(l => l.Id);
        Assert.All(after.Values, l => Assert.Null(l.RevokedAt));
        Assert.Equal(extendedTo, after[ids[1]].LatestExpiresAt);
    }

    [Fact]
    public async Task a_retry_with_the_same_idempotency_key_returns_the_first_result()
    {
        var licenses = await IssueKnownLicensesAsync("cust-bulk-retry", 3);
        var request = new RevokeLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseIds = new LicenseIds() };
        request.LicenseIds.Ids.AddRange(licenses.Select(l => l.LicenseId));

        var first = await ledger.Revocations.RevokeLicensesAsync(request);
        var retry = await ledger.Revocations.RevokeLicensesAsync(request);
        var again = request.Clone();
        again.IdempotencyKey = Guid.NewGuid().ToString();
        var anotherKey = await ledger.Revocations.RevokeLicensesAsync(again);
        var reused = request.Clone();
        reused.Reason = RevocationReason.Superseded;
        var misuse = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeLicensesAsync(reused).ResponseAsync);

        Assert.Equal(3, first.RevokedLicenseIds.Count);
        Assert.Equal(first, retry);
        Assert.Empty(anotherKey.RevokedLicenseIds);
        Assert.Equal(first.RevokedLicenseIds.Order(), anotherKey.AlreadyRevokedLicenseIds.Order());
        Assert.Equal(StatusCode.FailedPrecondition, misuse.StatusCode);
    }

    [Fact]
    public async Task an_unknown_id_in_the_batch_is_not_found_and_nothing_is_revoked()
    {
        var known = await ledger.IssueKnownLicenseAsync("cust-bulk-unknown");
        var unknownId = UuidV7.NewId().ToString();
        var head = await ledger.Revocations.GetFeedAsync(new GetFeedRequest());
        var request = new RevokeLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseIds = new LicenseIds { Ids = { known.LicenseId, unknownId } } };

        var refused = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeLicensesAsync(request).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseIds = new LicenseIds { Ids = { known.LicenseId, "not-an-id" } },
        }).ResponseAsync);
        var unnamed = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest { IdempotencyKey = "k" }).ResponseAsync);
        var manyMalformed = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseIds = new LicenseIds { Ids = { Enumerable.Range(0, 5000).Select(i => $"bad-{i}") } },
        }).ResponseAsync);
        var unknownCustomer = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.RevokeLicensesAsync(new RevokeLicensesRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), CustomerId = "cust-nobody",
        }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Contains(unknownId, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("nothing was revoked", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Contains("license_ids.ids[1]", malformed.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, unnamed.StatusCode);
        // Thousands of bad ids: the first 50 are listed, the rest counted, so the answer fits a client's header limit.
        Assert.Equal(StatusCode.InvalidArgument, manyMalformed.StatusCode);
        Assert.Equal(
            Enumerable.Range(0, 50).Select(i => $"license_ids.ids[{i}]"),
            manyMalformed.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(v => v.Field));
        Assert.EndsWith("and 4950 more invalid field(s) not listed", manyMalformed.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknownCustomer.StatusCode);
        Assert.False((await ledger.Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = known.LicenseId })).Revoked);
        Assert.Equal(head.Version, (await ledger.Revocations.GetFeedAsync(new GetFeedRequest())).Version);
    }

    [Fact]
    public async Task thirty_two_concurrent_revocations_all_succeed_on_one_unbroken_chain()
    {
        var licenses = await IssueKnownLicensesAsync("cust-concurrent", 32);
        var jwks = await ledger.FetchJwksAsync();
        var before = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);

        var revoked = await Task.WhenAll(licenses.Select(l => Task.Run(() => ledger.RevokeAsync(l.LicenseId))));

        Assert.All(revoked, r => Assert.True(r.NewlyRevoked));
        Assert.Equal(
            Enumerable.Range(1, 32).Select(i => before.State!.Version + i),
            revoked.Select(r => r.Revocation.FeedVersion).Order());
        var applied = RevocationFeeds.Accept(await ledger.PullFeedAsync(before.State!.Version), jwks, "ledger", before.State, DateTimeOffset.UtcNow);
        Assert.Equal(VerificationStatus.Valid, applied.Status);
        Assert.All(licenses, l => Assert.Contains(Guid.Parse(l.LicenseId), applied.State!.Revoked));
    }

    /// <summary>Issues <paramref name="count"/> licenses to one customer (IssueLicenses, at most 100 a call) and waits until Revocation knows each.</summary>
    private async Task<IReadOnlyList<License>> IssueKnownLicensesAsync(string customer, int count)
    {
        var request = new IssueLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString() };
        request.Licenses.AddRange(Enumerable.Range(0, count).Select(_ => new LicenseTerms
        {
            CustomerId = customer, CustomerName = "Example Corp", Product = "flux-enterprise", Audience = "flux-operator", DurationDays = 365, Capabilities = { "sso" },
        }));
        var licenses = (await ledger.Licenses.IssueLicensesAsync(request)).Licenses;
        foreach (var license in licenses)
        {
            await Eventually.True(async () =>
            {
                try
                {
                    await ledger.Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = license.LicenseId });
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), "Revocation to learn the license from LicenseIssued");
        }

        return licenses;
    }
}
