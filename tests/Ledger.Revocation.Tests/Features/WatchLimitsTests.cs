using Grpc.Core;
using Ledger.Contracts.Revocation.V1;
using Ledger.Testing;
using RevocationsClient = Ledger.Contracts.Revocation.V1.Revocations.RevocationsClient;

namespace Ledger.Revocation.Tests.Features;

/// <summary>A Revocation replica that serves one watch at a time.</summary>
public sealed class LedgerWithOneWatchSlot : LedgerServices
{
    public ServiceHost<Program> Revocation { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Revocation = Start<Program>(new Dictionary<string, string?> { ["Ledger:Revocation:MaxWatchers"] = "1" });
    }

    public RevocationsClient As(string client) => new(Revocation.CreateChannel(() => Clients.Mint(client, "revocation")));
}

public sealed class WatchLimitsTests(LedgerWithOneWatchSlot ledger) : IClassFixture<LedgerWithOneWatchSlot>
{
    [Fact]
    public async Task watching_needs_the_revoker_or_auditor_role_and_a_free_slot_on_the_replica()
    {
        var issuerOnly = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = ledger.As("issuance").Watch(new WatchRequest());
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.PermissionDenied, issuerOnly.StatusCode);

        using (var first = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            using var holding = ledger.As(TestClients.Auditor).Watch(new WatchRequest(), cancellationToken: first.Token);
            await holding.ResponseHeadersAsync; // the first watch is open and holds the only slot
            var waiting = holding.ResponseStream.MoveNext(first.Token);

            var full = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                // A deadline, so a second watch that wrongly got a slot fails the test instead of waiting forever.
                using var call = ledger.As(TestClients.Admin).Watch(new WatchRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
                await call.ResponseStream.MoveNext();
            });
            Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
            Assert.Contains("poll the signed feed", full.Status.Detail, StringComparison.Ordinal);

            await first.CancelAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => waiting);
        }

        // The slot comes back once the watch ends.
        await Eventually.True(async () =>
        {
            using var again = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                using var call = ledger.As(TestClients.Admin).Watch(new WatchRequest(), cancellationToken: again.Token);
                await call.ResponseStream.MoveNext(again.Token);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled || e.StatusCode == StatusCode.DeadlineExceeded)
            {
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "the watch slot to be free again");
    }
}
