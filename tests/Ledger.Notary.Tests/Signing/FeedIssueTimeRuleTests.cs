using Grpc.Core;
using Ledger.Testing;
using Ledger.Verification;

namespace Ledger.Notary.Tests.Signing;

/// <summary>
/// Notary's feed-iat rule: a feed may carry the start of its refresh window as its issue time (so
/// every Revocation replica signs the same bytes), but never a time in the future, and only while it is live.
/// </summary>
public sealed class FeedIssueTimeRuleTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task a_feed_issued_at_the_start_of_its_refresh_window_is_signed()
    {
        var signed = await notary.Feeds.SignAsync(SignRequests.Feed(FeedIssuedAt(DateTimeOffset.UtcNow.AddMinutes(-50), TimeSpan.FromHours(24))));

        Assert.NotEmpty(signed.Jws);
    }

    [Theory]
    [InlineData(5, "rule feed-iat")]
    [InlineData(-25 * 60, "rule expiry-future")]
    public async Task a_feed_from_the_future_or_already_expired_is_refused(int issuedMinutesFromNow, string rule)
    {
        var payload = FeedIssuedAt(DateTimeOffset.UtcNow.AddMinutes(issuedMinutesFromNow), TimeSpan.FromHours(24));

        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Feeds.SignAsync(SignRequests.Feed(payload)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(rule, error.Status.Detail);
    }

    private static RevocationFeedPayload FeedIssuedAt(DateTimeOffset issuedAt, TimeSpan lifetime)
    {
        var payload = SignRequests.FeedPayload();
        var iat = DateTimeOffset.FromUnixTimeSeconds(issuedAt.ToUnixTimeSeconds());
        return payload with { IssuedAt = iat, ExpiresAt = iat + lifetime, PrunedBefore = iat };
    }
}
