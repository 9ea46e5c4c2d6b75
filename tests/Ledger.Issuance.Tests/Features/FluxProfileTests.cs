using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Crypto;

namespace Ledger.Issuance.Tests.Features;

/// <summary>The license profile, chosen per request: Flux-format keys beside Ledger's, in one batch.</summary>
public sealed class FluxProfileTests(LedgerWithIssuance ledger) : IClassFixture<LedgerWithIssuance>
{
    [Fact]
    public async Task a_batch_mixing_profiles_signs_each_license_in_its_own_format()
    {
        var flux = LedgerWithIssuance.Terms("cust-flux", 30, "feature1");
        flux.Profile = LicenseProfile.Flux;
        flux.Audience = "";
        var request = new IssueLicensesRequest { IdempotencyKey = Guid.NewGuid().ToString() };
        request.Licenses.Add(flux);
        request.Licenses.Add(LedgerWithIssuance.Terms("cust-ledger", 30, "sso"));

        var issued = (await ledger.Licenses.IssueLicensesAsync(request)).Licenses;
        var jwks = await ledger.FetchJwksAsync();

        var fluxLicense = issued[0];
        Assert.Equal(LicenseProfile.Flux, fluxLicense.Profile);
        Assert.Equal("flux-operator", fluxLicense.Audience);
        var fluxKey = Jws.Verify(fluxLicense.LicenseKey, jwks);
        Assert.True(fluxKey.IsValid, fluxKey.Failure.ToString());
        Assert.Equal("JWT", fluxKey.Header!.Value.GetProperty("typ").GetString());
        using (var claims = JsonDocument.Parse(fluxKey.Payload))
        {
            var root = claims.RootElement;
            Assert.Equal(fluxLicense.LicenseId, root.GetProperty("jti").GetString());
            Assert.True(UuidV6.IsVersion6(Guid.Parse(fluxLicense.LicenseId)));
            Assert.Equal("c-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("cust-flux"))[..8]), root.GetProperty("sub").GetString());
            Assert.Equal(fluxLicense.Subject, root.GetProperty("sub").GetString());
            Assert.Equal(["flux-operator"], root.GetProperty("aud").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal(["feature1"], root.GetProperty("caps").EnumerateArray().Select(c => c.GetString()));
            Assert.False(root.TryGetProperty("rev", out _));
        }

        var ledgerLicense = issued[1];
        Assert.Equal(LicenseProfile.Ledger, ledgerLicense.Profile);
        var ledgerKey = Jws.Verify(ledgerLicense.LicenseKey, jwks);
        Assert.True(ledgerKey.IsValid, ledgerKey.Failure.ToString());
        Assert.Equal("license+jwt", ledgerKey.Header!.Value.GetProperty("typ").GetString());
        Assert.True(UuidV7.IsVersion7(Guid.Parse(ledgerLicense.LicenseId)));
        Assert.StartsWith("cus_", ledgerLicense.Subject, StringComparison.Ordinal);

        var got = (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = fluxLicense.LicenseId })).License;
        Assert.Equal(LicenseProfile.Flux, got.Profile);
        Assert.False(got.Imported);
        Assert.Equal(fluxLicense.LicenseKey, got.LicenseKey);
    }

    [Fact]
    public async Task an_unknown_profile_and_a_ledger_license_without_audience_are_refused_by_field()
    {
        var unknown = LedgerWithIssuance.Terms("cust-unknown-profile");
        unknown.Profile = (LicenseProfile)7;
        var noAudience = LedgerWithIssuance.Terms("cust-no-audience");
        noAudience.Audience = "";

        var first = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), Terms = unknown }).ResponseAsync);
        var second = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.IssueLicenseAsync(new IssueLicenseRequest { IdempotencyKey = Guid.NewGuid().ToString(), Terms = noAudience }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, first.StatusCode);
        Assert.Contains(first.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations, v => v.Field == "terms.profile");
        Assert.Equal(StatusCode.InvalidArgument, second.StatusCode);
        Assert.Contains(second.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations, v => v.Field == "terms.audience");
    }
}
