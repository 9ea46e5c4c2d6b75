using System.Text.Json;
using Grpc.Core;
using Ledger.Contracts.Revocation.V1;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Revocation.Tests.Features;

/// <summary>Users coming from the Flux Operator's distro tooling bring their revocations.json, and can still get one.</summary>
public sealed class FluxInteropTests(LedgerWithRevocation ledger) : IClassFixture<LedgerWithRevocation>
{
    [Fact]
    public async Task an_imported_revocation_set_reaches_the_signed_feed_with_its_original_times()
    {
        var known = await ledger.IssueKnownLicenseAsync("cust-flux-known");
        var foreign = UuidV7.NewId(DateTimeOffset.UtcNow.AddDays(-100));
        var json = $$$"""{"issuer":"ledger","keys":{"{{{known.LicenseId}}}":1760000000,"{{{foreign}}}":1750000000}}""";

        var imported = await ledger.Revocations.ImportRevocationsAsync(new ImportRevocationsRequest { RevocationsJson = json, Reason = RevocationReason.Superseded });
        var again = await ledger.Revocations.ImportRevocationsAsync(new ImportRevocationsRequest { RevocationsJson = json });

        Assert.Equal((2, 0), (imported.Imported, imported.AlreadyRevoked));
        Assert.Equal((0, 2), (again.Imported, again.AlreadyRevoked));
        var jwks = await ledger.FetchJwksAsync();
        var feed = RevocationFeedPayload.Parse(Jws.Verify(await ledger.PullFeedAsync(), jwks).Payload);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1760000000), feed.Entries.Single(e => e.Id == Guid.Parse(known.LicenseId)).RevokedAt);
        Assert.Equal("superseded", feed.Entries.Single(e => e.Id == foreign).Reason);
        // Its own expiry is unknown: the entry lives 5 years after the import, then is pruned like any other.
        var expires = feed.Entries.Single(e => e.Id == foreign).ExpiresAt;
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(5 * 365 - 1), DateTimeOffset.UtcNow.AddDays(5 * 365 + 1));
        var verdict = LicenseVerifier.Verify(known.LicenseKey, jwks, new LicenseExpectations("ledger", "flux-operator", ["sso"]),
            DateTimeOffset.UtcNow, await ledger.PullFeedAsync(), null);
        Assert.Equal(VerificationStatus.Revoked, verdict.Status);
    }

    [Fact]
    public async Task the_revocation_set_is_exported_in_the_flux_format()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-flux-export");
        var revoked = await ledger.RevokeAsync(license.LicenseId);
        using var http = ledger.Revocation.CreateClient();

        using var set = JsonDocument.Parse(await http.GetStringAsync(new Uri("/feeds/revocations/revocations.json", UriKind.Relative)));

        Assert.Equal("ledger", set.RootElement.GetProperty("issuer").GetString());
        Assert.Equal(revoked.Revocation.RevokedAt.ToDateTimeOffset().ToUnixTimeSeconds(),
            set.RootElement.GetProperty("keys").GetProperty(license.LicenseId).GetInt64());
    }

    [Theory]
    [InlineData("""{"issuer":"someone-else","keys":{}}""", "issuer")]
    [InlineData("""{"keys":{}}""", "expected")]
    [InlineData("""{"issuer":"ledger","keys":{"not-a-uuid":1}}""", "not a license id")]
    [InlineData("""{"issuer":"ledger","keys":{"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f":"yesterday"}}""", "Unix seconds")]
    [InlineData("""not json""", "not JSON")]
    public async Task a_malformed_or_foreign_set_is_refused_and_nothing_is_imported(string json, string reason)
    {
        var before = (await ledger.Revocations.GetFeedAsync(new GetFeedRequest())).Version;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Revocations.ImportRevocationsAsync(new ImportRevocationsRequest { RevocationsJson = json }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(reason, error.Status.Detail);
        Assert.Equal(before, (await ledger.Revocations.GetFeedAsync(new GetFeedRequest())).Version);
    }

    [Fact]
    public async Task an_import_says_until_when_its_foreign_licenses_may_live_and_a_bound_past_ten_years_is_refused()
    {
        var foreign = UuidV7.NewId(DateTimeOffset.UtcNow.AddDays(-10));
        var json = $$$"""{"issuer":"ledger","keys":{"{{{foreign}}}":1750000000}}""";
        var until = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(90).ToUnixTimeSeconds());

        var tooLate = await Assert.ThrowsAsync<RpcException>(() => ledger.Revocations.ImportRevocationsAsync(new ImportRevocationsRequest
        {
            RevocationsJson = json, LicensesExpireBy = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddYears(11)),
        }).ResponseAsync);
        await ledger.Revocations.ImportRevocationsAsync(new ImportRevocationsRequest
        {
            RevocationsJson = json, LicensesExpireBy = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(until),
        });

        Assert.Equal(StatusCode.InvalidArgument, tooLate.StatusCode);
        Assert.Contains("licenses_expire_by", tooLate.Status.Detail, StringComparison.Ordinal);
        var feed = RevocationFeedPayload.Parse(Jws.Verify(await ledger.PullFeedAsync(), await ledger.FetchJwksAsync()).Payload);
        Assert.Equal(until, feed.Entries.Single(e => e.Id == foreign).ExpiresAt);
    }
}
