using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Crypto;

namespace Ledger.Issuance.Tests.Features;

public sealed class LicenseChangesTests(LedgerWithIssuance ledger) : IClassFixture<LedgerWithIssuance>
{
    [Fact]
    public async Task renewing_extends_from_the_current_expiry_and_issues_the_next_key()
    {
        var license = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-renew", 30));

        var renewed = (await ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, DurationDays = 365,
        })).License;

        Assert.Equal(license.ExpiresAt.ToDateTimeOffset().AddDays(365), renewed.ExpiresAt.ToDateTimeOffset());
        Assert.Equal(2, renewed.Revision);
        Assert.NotEqual(license.LicenseKey, renewed.LicenseKey);
        var verification = Jws.Verify(renewed.LicenseKey, await ledger.FetchJwksAsync());
        Assert.True(verification.IsValid);
        using var claims = JsonDocument.Parse(verification.Payload);
        Assert.Equal(renewed.ExpiresAt.ToDateTimeOffset().ToUnixTimeSeconds(), claims.RootElement.GetProperty("exp").GetInt64());
        Assert.Equal(license.LicenseId, claims.RootElement.GetProperty("jti").GetString());
    }

    [Fact]
    public async Task changing_capabilities_issues_a_key_with_the_new_set()
    {
        var license = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-caps", 30, "sso"));

        var changed = (await ledger.Licenses.ChangeCapabilitiesAsync(new ChangeCapabilitiesRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, Capabilities = { "sso", "fips", "airgap" },
        })).License;

        Assert.Equal(["airgap", "fips", "sso"], changed.Capabilities);
        using var claims = JsonDocument.Parse(Jws.Verify(changed.LicenseKey, await ledger.FetchJwksAsync()).Payload);
        Assert.Equal(["airgap", "fips", "sso"], claims.RootElement.GetProperty("caps").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(license.ExpiresAt, changed.ExpiresAt);
    }

    [Fact]
    public async Task history_lists_every_event_in_order_with_who_asked_and_the_idempotency_key()
    {
        var license = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-history", 30));
        var renewKey = Guid.NewGuid().ToString();
        await ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest { IdempotencyKey = renewKey, LicenseId = license.LicenseId, DurationDays = 10 });
        await ledger.Licenses.ChangeCapabilitiesAsync(new ChangeCapabilitiesRequest { IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, Capabilities = { "sso" } });

        var history = await ledger.Licenses.GetLicenseHistoryAsync(new GetLicenseHistoryRequest { LicenseId = license.LicenseId });

        Assert.Equal(["LicenseIssued", "LicenseRenewed", "LicenseCapabilitiesChanged"], history.Entries.Select(e => e.Event));
        Assert.Equal([1L, 2L, 3L], history.Entries.Select(e => e.Version));
        Assert.Equal(renewKey, history.Entries[1].IdempotencyKey);
        Assert.All(history.Entries, e => Assert.False(string.IsNullOrEmpty(e.RequestedBy)));
    }

    [Fact]
    public async Task concurrent_renewals_never_lose_an_update()
    {
        var license = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-concurrent", 30));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                await ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest
                {
                    IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, DurationDays = 1,
                });
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }));

        var succeeded = attempts.Count(s => s == StatusCode.OK);
        Assert.All(attempts, s => Assert.True(s is StatusCode.OK or StatusCode.Aborted, s.ToString()));
        Assert.True(succeeded >= 1);
        var final = (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = license.LicenseId })).License;
        Assert.Equal(1 + succeeded, final.Revision);
        Assert.Equal(license.ExpiresAt.ToDateTimeOffset().AddDays(succeeded), final.ExpiresAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task unknown_and_malformed_license_ids_are_not_found_and_invalid_argument()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = UuidV7.NewId().ToString(), DurationDays = 1,
        }).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = "42" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Equal("license_id", Assert.Single(malformed.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
    }

    [Fact]
    public async Task renewal_duration_out_of_range_is_invalid_argument()
    {
        var license = await ledger.IssueAsync(LedgerWithIssuance.Terms("cust-renew-range", 30));

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = license.LicenseId, DurationDays = 0,
        }).ResponseAsync);

        Assert.Equal("duration_days", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
    }
}
