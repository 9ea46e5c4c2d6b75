using Grpc.Core;
using Ledger.Contracts.Issuance.V1;

namespace Ledger.Issuance.Tests.Features;

public sealed class QueryingTests(LedgerWithIssuance ledger) : IClassFixture<LedgerWithIssuance>
{
    [Fact]
    public async Task get_returns_the_current_state()
    {
        var issued = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-get", 30));

        var got = (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = issued.LicenseId })).License;

        Assert.Equal(issued.LicenseKey, got.LicenseKey);
        Assert.Equal(LicenseStatus.Active, got.Status);
        Assert.Equal("Example Corp", got.CustomerName);
    }

    [Fact]
    public async Task list_pages_a_customers_licenses_newest_first_without_gaps_or_repeats()
    {
        var issued = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            issued.Add((await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-paged", 30 + i))).LicenseId);
        }

        await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-paged-other"));
        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = "cust-paged", PageSize = 2, PageToken = token });
            seen.AddRange(page.Licenses.Select(l => l.LicenseId));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(issued), seen);
    }

    [Fact]
    public async Task licenses_issued_together_share_a_time_and_still_page_without_gaps()
    {
        // Each batch's licenses have one IssuedAt (100 ns ticks; PostgreSQL compares whole
        // microseconds), and page boundaries fall inside batches.
        var issued = new HashSet<string>();
        for (var batch = 0; batch < 6; batch++)
        {
            var request = new IssueLicensesRequest { IdempotencyKey = $"same-time-{batch}" };
            request.Licenses.AddRange(Enumerable.Range(0, 10).Select(_ => LedgerWithIssuance.Terms("cust-same-time")));
            issued.UnionWith((await ledger.Licenses.IssueLicensesAsync(request)).Licenses.Select(l => l.LicenseId));
        }

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = "cust-same-time", PageSize = 7, PageToken = token });
            seen.AddRange(page.Licenses.Select(l => l.LicenseId));
            token = page.NextPageToken;
            // A cursor that names a time PostgreSQL does not store would repeat a page forever.
            Assert.True(seen.Count <= issued.Count, $"paging returned {seen.Count} licenses of {issued.Count}: a page came twice");
        }
        while (token.Length > 0);

        Assert.Equal(issued.Count, seen.Count);
        Assert.True(issued.SetEquals(seen));
    }

    [Fact]
    public async Task a_forged_page_token_is_invalid_argument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = "cust-x", PageToken = "not-a-token" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task counts_by_status_follow_the_ledger()
    {
        const string customer = "cust-count";
        var now = DateTimeOffset.UtcNow;
        await ledger.IssueAsync(LedgerWithIssuance.Terms(customer, 30));
        await ledger.IssueAsync(LedgerWithIssuance.Terms(customer, 30));
        var future = LedgerWithIssuance.Terms(customer, 30);
        future.ValidFrom = LedgerWithIssuance.At(now.AddDays(7));
        await ledger.IssueAsync(future);

        var counts = await ledger.Licenses.CountLicensesAsync(new CountLicensesRequest { CustomerId = customer });

        Assert.Equal(2, counts.Active);
        Assert.Equal(1, counts.NotYetValid);
        Assert.Equal(0, counts.Expired);
        Assert.Equal(0, counts.Revoked);
    }
}
