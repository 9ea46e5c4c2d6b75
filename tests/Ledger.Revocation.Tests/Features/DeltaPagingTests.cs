using Ledger.Crypto;
using Ledger.Revocation.Features.Revoking;
using Ledger.Testing;
using Ledger.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Revocation.Tests.Features;

/// <summary>A Revocation whose deltas hold at most two revocations.</summary>
public sealed class LedgerWithSmallDeltas : LedgerServices
{
    public ServiceHost<Program> Revocation { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Revocation = Start<Program>(new Dictionary<string, string?> { ["Ledger:Revocation:Feed:MaxDeltaEntries"] = "2" });
    }

    public async Task<string> PullAsync(long? since = null)
    {
        using var http = Revocation.CreateClient();
        return await http.GetStringAsync(new Uri(since is null ? "/feeds/revocations" : $"/feeds/revocations?since={since}", UriKind.Relative));
    }
}

public sealed class DeltaPagingTests(LedgerWithSmallDeltas ledger) : IClassFixture<LedgerWithSmallDeltas>
{
    [Fact]
    public async Task a_verifier_far_behind_pages_forward_with_bounded_deltas_to_the_head()
    {
        var revoker = ledger.Revocation.Services.GetRequiredService<Revoker>();
        await revoker.RevokeAttestationAsync(UuidV7.NewId(), "keyCompromise", DateTimeOffset.UtcNow.AddDays(30), "test", CancellationToken.None);
        var jwks = await ledger.FetchJwksAsync();
        var state = RevocationFeeds.Accept(await ledger.PullAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow).State!;
        for (var i = 0; i < 5; i++)
        {
            await revoker.RevokeAttestationAsync(UuidV7.NewId(), "keyCompromise", DateTimeOffset.UtcNow.AddDays(30), "test", CancellationToken.None);
        }

        var versions = new List<long>();
        while (state.Version < 6)
        {
            var delta = await ledger.PullAsync(state.Version);
            var payload = RevocationFeedPayload.Parse(Jws.Verify(delta, jwks).Payload);
            Assert.True(payload.IsDelta);
            Assert.True(payload.Entries.Count <= 2);
            var accepted = RevocationFeeds.Accept(delta, jwks, "ledger", state, DateTimeOffset.UtcNow);
            Assert.Equal(VerificationStatus.Valid, accepted.Status);
            state = accepted.State!;
            versions.Add(state.Version);
        }

        Assert.Equal([3, 5, 6], versions);
        Assert.Equal(6, state.Revoked.Count);
    }
}
