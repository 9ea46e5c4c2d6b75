using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Verification;

namespace Ledger.Issuance.Tests.Features.Receipts;

/// <summary>GetLicense's receipt: the license key's signature log entry, inclusion proof and checkpoint, verified offline.</summary>
public sealed class ReceiptTests(LedgerWithIssuance ledger) : IClassFixture<LedgerWithIssuance>
{
    private const string Origin = "ledger/signature-log";

    [Fact]
    public async Task an_issued_license_comes_with_a_receipt_that_verifies_offline()
    {
        var license = await ledger.IssueAsync();

        var response = await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = license.LicenseId, IncludeReceipt = true });
        var receipt = SignatureReceipt.Parse(response.ReceiptJson);
        var verdict = ReceiptVerifier.Verify(license.LicenseKey, receipt, await ledger.FetchJwksAsync(), Origin, new ReceiptOptions(RequireReceipt: true));

        Assert.True(verdict.IsValid, verdict.Detail);
        Assert.Equal(("license", license.LicenseId, "issuance"), (receipt.Entry.Purpose, receipt.Entry.Subject, receipt.Entry.Client));
    }

    [Fact]
    public async Task a_renewed_license_has_the_receipt_of_its_new_key()
    {
        var license = await ledger.IssueAsync();
        var first = SignatureReceipt.Parse((await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = license.LicenseId, IncludeReceipt = true })).ReceiptJson);
        var renewed = (await ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, DurationDays = 30,
        })).License;

        var second = SignatureReceipt.Parse((await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = license.LicenseId, IncludeReceipt = true })).ReceiptJson);
        var jwks = await ledger.FetchJwksAsync();

        Assert.True(second.Entry.Index > first.Entry.Index);
        Assert.True(ReceiptVerifier.Verify(renewed.LicenseKey, second, jwks, Origin).IsValid);
        Assert.Equal(VerificationStatus.NotInLog, ReceiptVerifier.Verify(renewed.LicenseKey, first, jwks, Origin).Status);
    }

    [Fact]
    public async Task without_include_receipt_no_receipt_is_returned()
    {
        var license = await ledger.IssueAsync();

        var response = await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = license.LicenseId });

        Assert.Empty(response.ReceiptJson);
    }

    [Fact]
    public async Task a_renewal_past_notarys_expiry_cap_is_refused_before_signing()
    {
        var license = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-cap", 3650));

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, DurationDays = 3650,
        }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("4016 days", error.Status.Detail);
    }
}
