using Ledger.Contracts.Revocation.V1;
using Ledger.Revocation.Features.Revoking;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Revocation.Tests.Replicas;

/// <summary>
/// One withdrawn attestation can reach the revocation log by several roads at once: RabbitMQ's copy,
/// each replica's catch-up from Attestation, and a redelivery. Whichever arrives first records it;
/// the others get that record, and the log grows by one entry.
/// </summary>
public sealed class ReplicaRevokingTests(RevocationReplicas ledger) : IClassFixture<RevocationReplicas>
{
    [Fact]
    public async Task one_attestation_revoked_on_three_replicas_at_once_is_recorded_once()
    {
        var before = (await ledger.Revocations.GetFeedAsync(new GetFeedRequest())).Version;
        var attestationId = Guid.CreateVersion7();
        var revokers = new[] { ledger.Revocation, ledger.ReplicaA, ledger.ReplicaB }.Select(r => r.Services.GetRequiredService<Revoker>()).ToList();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            revokers[i % revokers.Count].RevokeAttestationAsync(attestationId, "superseded", null, AttestationRevokedConsumer.RequestedBy, CancellationToken.None))));

        Assert.Single(outcomes, o => o.NewlyRevoked);
        Assert.All(outcomes, o => Assert.Equal((attestationId, before + 1), (o.Record.Id, o.Record.FeedVersion)));
        Assert.Equal(before + 1, (await ledger.Revocations.GetFeedAsync(new GetFeedRequest())).Version);
    }
}
