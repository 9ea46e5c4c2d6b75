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
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // covers_until is in whole seconds, rounded down
        var jwks = await ledger.FetchJwksAsync();
        using var http = ledger.Revocation.CreateClient();
        var filterJws = await http.GetStringAsync(new Uri("/feeds/revocations/filter", UriKind.Relative));
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
}
