using Google.Rpc;
using Grpc.Core;
using Ledger.Testing;
using SigningClient = Ledger.Contracts.Notary.V1.Signing.SigningClient;

namespace Ledger.Revocation.Tests.Features;

/// <summary>Notary signs feeds only up to the revocation log's version, which it reads from Revocation.</summary>
public sealed class FeedSigningTests(LedgerWithRevocation ledger) : IClassFixture<LedgerWithRevocation>
{
    [Fact]
    public async Task a_feed_version_past_the_revocation_log_is_refused_even_with_revocations_own_key()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-version");
        var revoked = await ledger.RevokeAsync(license.LicenseId);
        var head = revoked.Revocation.FeedVersion;
        var stolen = new SigningClient(ledger.Notary.CreateChannel(() => ledger.Clients.Mint(TestClients.Revocation, "notary")));

        var jump = await Assert.ThrowsAsync<RpcException>(() => stolen.SignAsync(SignRequests.Feed(SignRequests.FeedPayload(version: long.MaxValue / 2))).ResponseAsync);
        var current = await stolen.SignAsync(SignRequests.Feed(SignRequests.FeedPayload(version: head)));

        Assert.Equal(StatusCode.InvalidArgument, jump.StatusCode);
        var violation = Assert.Single(jump.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal("payload.ver", violation.Field);
        Assert.Contains($"rule feed-version: version {long.MaxValue / 2} is past the revocation log's version {head}", violation.Description, StringComparison.Ordinal);
        Assert.NotEmpty(current.Jws);
    }

    [Fact]
    public async Task the_feed_revocation_serves_is_signed_after_the_version_check()
    {
        var license = await ledger.IssueKnownLicenseAsync("cust-served");
        await ledger.RevokeAsync(license.LicenseId);

        Assert.NotEmpty(await ledger.PullFeedAsync());
    }
}
