using Grpc.Core;
using Ledger.Contracts.Issuance.V1;

namespace Ledger.Issuance.Tests.Features;

public sealed class IdempotencyTests(LedgerWithIssuance ledger) : IClassFixture<LedgerWithIssuance>
{
    [Fact]
    public async Task a_retry_with_the_same_key_returns_the_first_license_not_a_second()
    {
        var request = new IssueLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), Terms = LedgerWithIssuance.Terms("cust-retry") };

        var first = await ledger.Licenses.IssueLicenseAsync(request);
        var retry = await ledger.Licenses.IssueLicenseAsync(request);

        Assert.Equal(first.License, retry.License);
        Assert.Single((await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = "cust-retry" })).Licenses);
    }

    [Fact]
    public async Task concurrent_first_attempts_with_one_key_yield_one_license()
    {
        var request = new IssueLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), Terms = LedgerWithIssuance.Terms("cust-race") };

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ledger.Licenses.IssueLicenseAsync(request).ResponseAsync));

        Assert.Single(results.Select(r => r.License.LicenseId).Distinct());
        Assert.Single((await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = "cust-race" })).Licenses);
    }

    [Fact]
    public async Task the_same_key_with_a_different_request_is_failed_precondition()
    {
        var key = Guid.NewGuid().ToString();
        await ledger.Licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = key, Terms = LedgerWithIssuance.Terms("cust-reuse", 30) });

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.IssueLicenseAsync(
            new IssueLicenseRequest { IdempotencyKey = key, Terms = LedgerWithIssuance.Terms("cust-reuse", 31) }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("already used", error.Status.Detail);
        Assert.Single((await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = "cust-reuse" })).Licenses);
    }

    [Fact]
    public async Task a_retried_renewal_extends_once()
    {
        var license = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-renew-retry", 10));
        var renew = new RenewLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, DurationDays = 30 };

        var first = await ledger.Licenses.RenewLicenseAsync(renew);
        var retry = await ledger.Licenses.RenewLicenseAsync(renew);

        Assert.Equal(first.License.ExpiresAt, retry.License.ExpiresAt);
        Assert.Equal(2, (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = license.LicenseId })).License.Revision);
    }
}
