using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.ServiceDefaults.EventStore;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using KeysClient = Ledger.Contracts.Notary.V1.Keys.KeysClient;

namespace Ledger.ServiceDefaults.Tests.Security;

/// <summary>
/// Two replicas of one service (Notary) on one database: a client token is accepted once in the
/// whole deployment, whichever replica sees it, and still refused after a replica restarts.
/// </summary>
public sealed class ReplayAcrossReplicasTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    [Fact]
    public async Task a_token_accepted_by_one_replica_is_refused_by_another_and_after_a_restart()
    {
        var replicaA = ledger.StartNotary(ledger.NotaryRootKey);
        var replicaB = ledger.StartNotary(ledger.NotaryRootKey);
        var token = ledger.Clients.Mint(TestClients.Admin, "notary");

        await KeysOn(replicaA, token).ListKeysAsync(new ListKeysRequest());
        var onB = await Assert.ThrowsAsync<RpcException>(() => KeysOn(replicaB, token).ListKeysAsync(new ListKeysRequest()).ResponseAsync);

        await replicaA.DisposeAsync();
        var restartedA = ledger.StartNotary(ledger.NotaryRootKey);
        var afterRestart = await Assert.ThrowsAsync<RpcException>(() => KeysOn(restartedA, token).ListKeysAsync(new ListKeysRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, onB.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, afterRestart.StatusCode);
        Assert.Contains("already used (replay)", replicaB.Logs.All);
        Assert.Contains("already used (replay)", restartedA.Logs.All);
        await KeysOn(replicaB, ledger.Clients.Mint(TestClients.Admin, "notary")).ListKeysAsync(new ListKeysRequest());
    }

    [Fact]
    public async Task concurrent_uses_of_one_token_on_two_replicas_are_accepted_once()
    {
        var replicas = new[] { ledger.StartNotary(ledger.NotaryRootKey), ledger.StartNotary(ledger.NotaryRootKey) };
        var tokens = Enumerable.Range(0, 20).Select(_ => ledger.Clients.Mint(TestClients.Admin, "notary")).ToList();

        var outcomes = await Task.WhenAll(tokens.SelectMany(token => replicas.Select(async replica =>
        {
            try
            {
                await KeysOn(replica, token).ListKeysAsync(new ListKeysRequest());
                return (token, Accepted: true);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
            {
                return (token, Accepted: false);
            }
        })));

        Assert.All(outcomes.GroupBy(o => o.token), uses => Assert.Equal(1, uses.Count(u => u.Accepted)));
    }

    [Fact]
    public async Task expired_token_ids_are_forgotten_by_the_sweep_and_live_ones_kept()
    {
        var replica = ledger.StartNotary(ledger.NotaryRootKey);
        var accepted = replica.Services.GetRequiredService<AcceptedClientTokens>();
        var now = DateTimeOffset.UtcNow;
        var expired = Guid.NewGuid().ToString();
        var live = Guid.NewGuid().ToString();

        Assert.True(await accepted.TryRecordAsync("sweep-test", expired, now.AddMinutes(-1), CancellationToken.None));
        Assert.True(await accepted.TryRecordAsync("sweep-test", live, now.AddMinutes(10), CancellationToken.None));
        var deleted = await replica.Services.GetRequiredService<AcceptedClientTokensSweep>().SweepAsync(CancellationToken.None);

        Assert.True(deleted >= 1);
        Assert.True(await accepted.TryRecordAsync("sweep-test", expired, now.AddMinutes(10), CancellationToken.None), "an expired id is forgotten");
        Assert.False(await accepted.TryRecordAsync("sweep-test", live, now.AddMinutes(10), CancellationToken.None), "a live id is kept");
    }

    private static KeysClient KeysOn(ServiceHost<Ledger.Notary.Program> replica, string token) => new(replica.CreateChannel(() => token));
}
