using Ledger.Contracts.Notary.V1;
using Ledger.Testing;
using KeysClient = Ledger.Contracts.Notary.V1.Keys.KeysClient;

namespace Ledger.Notary.Tests.Replicas;

/// <summary>Two Notary replicas started at the same moment on an empty database, as a scaled-out deployment's first start.</summary>
public sealed class ReplicaStartTests(LedgerServices ledger) : IClassFixture<LedgerServices>
{
    [Fact]
    public async Task two_replicas_starting_together_on_an_empty_database_create_one_key_per_ring()
    {
        using var bothStarting = new Barrier(2);
        var replicas = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            bothStarting.SignalAndWait(TimeSpan.FromSeconds(30));
            return ledger.StartNotary(ledger.NotaryRootKey);
        })));

        foreach (var replica in replicas)
        {
            var keys = (await new KeysClient(replica.CreateChannel()).ListKeysAsync(new ListKeysRequest())).Keys;
            foreach (var ring in keys.GroupBy(k => k.Purpose))
            {
                var key = Assert.Single(ring);
                Assert.Equal(KeyStatus.Active, key.Status);
            }

            Assert.Equal(global::Ledger.Notary.Keys.KeyPurposes.All.Count, keys.Select(k => k.Purpose).Distinct().Count());
        }
    }
}
