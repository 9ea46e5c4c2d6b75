using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Verification;

namespace Ledger.Notary.Tests.Signing;

/// <summary>
/// The license rule's Flux profile: a license claim set typed <c>JWT</c> is signed when its jti is a
/// UUIDv6 and its aud an array, under the same issuer rule and lifetime cap as Ledger's format, and
/// logged under its license id. Nothing else is loosened.
/// </summary>
public sealed class FluxLicenseSigningTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task a_flux_format_license_is_signed_typed_jwt_and_logged_under_its_license_id()
    {
        var claims = SignRequests.LicenseClaims(licenseId: UuidV6.NewId()) with { Audiences = [LicenseClaims.FluxAudience] };

        var signed = await notary.Licenses.SignAsync(FluxRequest(claims.ToFluxJson(), claims.ExpiresAt));

        var verification = Jws.Verify(signed.Jws, await notary.FetchJwksAsync());
        Assert.True(verification.IsValid, verification.Failure.ToString());
        Assert.Equal("JWT", verification.Header!.Value.GetProperty("typ").GetString());
        Assert.Equal(claims.ToFluxJson(), verification.Payload);
        var entry = await LogEntryAsync(signed.LogIndex);
        Assert.Equal(claims.LicenseId.ToString(), entry.Subject);
        Assert.Equal("license", entry.Purpose);
    }

    [Fact]
    public async Task a_flux_format_license_with_a_uuidv7_id_is_refused()
    {
        var claims = SignRequests.LicenseClaims() with { Audiences = [LicenseClaims.FluxAudience] };

        await AssertRuleAsync(FluxRequest(claims.ToFluxJson(), claims.ExpiresAt), "payload.jti", "license-jti");
    }

    [Fact]
    public async Task a_flux_format_license_whose_aud_is_not_an_array_is_refused()
    {
        var claims = SignRequests.LicenseClaims(licenseId: UuidV6.NewId());

        await AssertRuleAsync(FluxRequest(claims.ToJson(), claims.ExpiresAt), "payload.aud", "license-flux-aud");
    }

    [Fact]
    public async Task a_ledger_format_license_with_a_uuidv6_id_is_still_refused()
    {
        await AssertRuleAsync(SignRequests.License(SignRequests.LicenseClaims(licenseId: UuidV6.NewId())), "payload.jti", "license-jti");
    }

    [Fact]
    public async Task a_flux_format_license_of_another_issuer_or_past_the_cap_is_refused()
    {
        var other = SignRequests.LicenseClaims(licenseId: UuidV6.NewId(), issuer: "mallory") with { Audiences = [LicenseClaims.FluxAudience] };
        await AssertRuleAsync(FluxRequest(other.ToFluxJson(), other.ExpiresAt), "payload.iss", "license-issuer");

        var longLived = SignRequests.LicenseClaims(licenseId: UuidV6.NewId(), lifetime: TimeSpan.FromDays(4017)) with { Audiences = [LicenseClaims.FluxAudience] };
        var request = FluxRequest(longLived.ToFluxJson(), DateTimeOffset.UtcNow.AddDays(4000));
        await AssertRuleAsync(request, "payload.exp", "license-expiry-cap");
    }

    [Fact]
    public async Task a_flux_attestation_presented_as_a_flux_license_is_refused()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var attestation = Encoding.UTF8.GetBytes(
            $$"""{"jti":"{{UuidV6.NewId()}}","iss":"ledger","sub":"artifacts","aud":["flux-operator"],"exp":{{now + 86400}},"nbf":{{now}},"iat":{{now}},"digests":["sha256:{{new string('1', 64)}}"]}""");

        await AssertRuleAsync(FluxRequest(attestation, DateTimeOffset.UtcNow.AddDays(2)), "payload", "license-claims");
    }

    private static SignRequest FluxRequest(byte[] payload, DateTimeOffset expiresAt) => new()
    {
        Purpose = KeyPurpose.License, Payload = ByteString.CopyFrom(payload), Typ = LicenseClaims.FluxTokenType, ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
    };

    private async Task AssertRuleAsync(SignRequest request, string field, string rule)
    {
        var before = await EntriesAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.SignAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Contains(violations, v => v.Field == field && v.Description.Contains($"rule {rule}", StringComparison.Ordinal));
        Assert.Equal(before.Count, (await EntriesAsync()).Count);
    }

    private async Task<Contracts.Notary.V1.SignatureLogEntry> LogEntryAsync(long index) => (await EntriesAsync()).Single(e => e.Index == index);

    private async Task<List<Contracts.Notary.V1.SignatureLogEntry>> EntriesAsync()
    {
        var entries = new List<Contracts.Notary.V1.SignatureLogEntry>();
        var request = new ListSignaturesRequest { PageSize = 1000 };
        while (true)
        {
            var page = await notary.Log.ListSignaturesAsync(request);
            entries.AddRange(page.Entries);
            if (page.NextStartIndex < 0)
            {
                return entries;
            }

            request.StartIndex = page.NextStartIndex;
        }
    }
}
