using Ledger.Crypto;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.KnownLicenses;
using Ledger.Verification;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Ledger.Revocation.Tests.Features;

public sealed class FilterTests(LedgerWithRevocation ledger, ITestOutputHelper output) : IClassFixture<LedgerWithRevocation>
{
    [Fact]
    public async Task the_filter_agrees_with_the_full_feed_on_every_license_of_a_100k_universe()
    {
        const int issued = 100_000;
        const int revokedCount = 1_000;
        var store = ledger.Revocation.Services.GetRequiredService<IDocumentStore>();
        // A license learned from Issuance moves the horizon to now, so the filter covers the bulk-loaded ones.
        await ledger.IssueKnownLicenseAsync("cust-filter-horizon");
        var issuedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        // The universe as Revocation knows it (what LicenseIssued would have taught it), loaded in bulk.
        var universe = Enumerable.Range(0, issued).Select(i => UuidV7.NewId(issuedAt.AddMilliseconds(i))).ToList();
        await store.BulkInsertAsync(universe.Select(id => new KnownLicense
        {
            Id = id, Issuer = "ledger", IssuedAt = issuedAt, ExpiresAt = DateTimeOffset.UtcNow.AddDays(365),
        }).ToList());
        var revoker = ledger.Revocation.Services.GetRequiredService<Revoker>();
        var toRevoke = universe.Where((_, i) => i % (issued / revokedCount) == 7).ToList();
        foreach (var id in toRevoke)
        {
            await revoker.RevokeAsync(id, "keyCompromise", null, "filter-test", CancellationToken.None);
        }

        var jwks = await ledger.FetchJwksAsync();
        using var http = ledger.Revocation.CreateClient();
        var filterJws = await http.GetStringAsync(new Uri("/feeds/revocations/filter", UriKind.Relative));
        var feed = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);
        var filterVerification = Jws.Verify(filterJws, jwks);
        Assert.True(filterVerification.IsValid);
        var filter = RevocationFilterPayload.Parse(filterVerification.Payload);
        var cascade = RevocationCascade.Parse(filter.Cascade);

        var wrong = universe.Count(id => cascade.IsRevoked(id) != feed.State!.Revoked.Contains(id));

        Assert.Equal(revokedCount, toRevoke.Count);
        Assert.Equal(revokedCount, feed.State!.Revoked.Count);
        Assert.Equal(0, wrong);
        var bytesPerRevoked = (double)filter.Cascade.Length / revokedCount;
        output.WriteLine($"filter: {filter.Cascade.Length} bytes, {cascade.Levels} levels, {bytesPerRevoked:F2} bytes per revoked license ({issued} issued, {revokedCount} revoked)");
        Assert.True(bytesPerRevoked <= 2.5, $"{bytesPerRevoked:F2} bytes per revoked license");
    }

    [Fact]
    public async Task a_license_minted_after_the_filter_is_not_covered()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-filter-late");
        var filterJws = await ledger.PullFilterCoveringAsync(Guid.Parse(license.LicenseId));
        var jwks = await ledger.FetchJwksAsync();
        var filter = RevocationFilterPayload.Parse(Jws.Verify(filterJws, jwks).Payload);

        // A license whose id was minted after covers_until: the verifier must not call it valid.
        var later = await ledger.IssueKnownLicenseAsync("cust-filter-later");
        var expected = new LicenseExpectations("ledger", "flux-operator", ["sso"]);
        var notCovered = LicenseVerifier.VerifyWithFilter(later.LicenseKey, jwks, expected, DateTimeOffset.UtcNow, filterJws, null);
        var covered = LicenseVerifier.VerifyWithFilter(license.LicenseKey, jwks, expected, DateTimeOffset.UtcNow, filterJws, null);

        Assert.True(UuidV7.Timestamp(Guid.Parse(later.LicenseId)) > filter.CoversUntil);
        Assert.Equal(VerificationStatus.Valid, covered.Status);
        Assert.Equal(VerificationStatus.NotCovered, notCovered.Status);
    }

    [Fact]
    public async Task an_imported_revocation_of_a_license_this_ledger_never_issued_is_in_the_filter()
    {
        var foreign = UuidV7.NewId(DateTimeOffset.UtcNow.AddMinutes(-10));
        var json = $$$"""{"issuer":"ledger","keys":{"{{{foreign}}}":1750000000}}""";
        await ledger.Revocations.ImportRevocationsAsync(new Contracts.Revocation.V1.ImportRevocationsRequest { RevocationsJson = json });
        var license = await ledger.IssueKnownLicenseAsync("cust-filter-import");

        var filterJws = await ledger.PullFilterCoveringAsync(Guid.Parse(license.LicenseId));
        var cascade = RevocationCascade.Parse(RevocationFilterPayload.Parse(Jws.Verify(filterJws, await ledger.FetchJwksAsync()).Payload).Cascade);

        Assert.True(cascade.IsRevoked(foreign), "the filter says an imported revocation is not revoked, while the feed lists it");
        Assert.False(cascade.IsRevoked(Guid.Parse(license.LicenseId)));
    }

    [Fact]
    public async Task the_filter_moves_on_with_the_horizon_when_nothing_is_revoked()
    {
        var first = await ledger.IssueKnownLicenseAsync("cust-filter-quiet-1");
        var before = RevocationFilterPayload.Parse(Jws.Verify(await ledger.PullFilterCoveringAsync(Guid.Parse(first.LicenseId)), await ledger.FetchJwksAsync()).Payload);
        var second = await ledger.IssueKnownLicenseAsync("cust-filter-quiet-2");

        var after = RevocationFilterPayload.Parse(Jws.Verify(await ledger.PullFilterCoveringAsync(Guid.Parse(second.LicenseId)), await ledger.FetchJwksAsync()).Payload);

        Assert.Equal(before.Version, after.Version);
        Assert.True(after.CoversUntil > before.CoversUntil);
    }
}
