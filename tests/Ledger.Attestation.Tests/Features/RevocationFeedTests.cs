using Ledger.Contracts.Admin.V1;
using Ledger.Contracts.Attestation.V1;
using Ledger.Testing;
using Ledger.Verification;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;

namespace Ledger.Attestation.Tests.Features;

/// <summary>Notary, Attestation and Revocation on one test class's database and virtual host.</summary>
public sealed class LedgerWithAttestationAndRevocation : LedgerWithAttestation
{
    public ServiceHost<Ledger.Revocation.Program> Revocation { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Revocation = Start<Ledger.Revocation.Program>();
        // Its queues bound before Attestation publishes a revocation: RabbitMQ drops what reaches an exchange with no queue.
        await WaitUntilReadyAsync(Revocation);
    }

    public async Task<string> PullFeedAsync()
    {
        using var http = Revocation.CreateClient();
        return await http.GetStringAsync(new Uri("/feeds/revocations", UriKind.Relative));
    }
}

public sealed class RevocationFeedTests(LedgerWithAttestationAndRevocation ledger) : IClassFixture<LedgerWithAttestationAndRevocation>
{
    [Fact]
    public async Task a_revoked_attestation_is_reported_revoked_by_the_verification_library_with_the_latest_feed()
    {
        var attestation = await ledger.AttestArtifactsAsync($"ghcr.io/acme/withdrawn@{Vendor.Digest("withdrawn")}");
        var id = Guid.Parse(attestation.AttestationId);
        var jwks = await ledger.FetchJwksAsync();
        var before = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", null, DateTimeOffset.UtcNow);
        Assert.True(before.IsAccepted, before.Detail);
        Assert.DoesNotContain(id, before.State!.Revoked);

        await ledger.Attestations.RevokeAttestationAsync(new RevokeAttestationRequest
        {
            IdempotencyKey = LedgerWithAttestation.NewKey(), AttestationId = attestation.AttestationId, Reason = AttestationRevocationReason.KeyCompromise,
        });

        var latest = await Eventually.Get(async () =>
        {
            var accepted = RevocationFeeds.Accept(await ledger.PullFeedAsync(), jwks, "ledger", before.State, DateTimeOffset.UtcNow);
            return accepted.IsAccepted && accepted.State!.Revoked.Contains(id) ? accepted : null;
        }, TimeSpan.FromSeconds(60), "the revocation feed to list the revoked attestation");

        Assert.Contains(id, latest.State!.Revoked);
        Assert.True(latest.State.Version > before.State.Version);
    }
}

/// <summary>Attestation alone at first: its revocations reach an exchange no Revocation queue is bound to yet.</summary>
public sealed class RevocationStartedLaterTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    [Fact]
    public async Task revocation_replicas_started_after_attestation_withdrew_attestations_catch_up_from_attestation_and_record_each_once()
    {
        var withdrawn = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var attestation = await ledger.AttestArtifactsAsync($"ghcr.io/acme/early-{i}@{Vendor.Digest($"early-{i}")}");
            await ledger.Attestations.RevokeAttestationAsync(new RevokeAttestationRequest
            {
                IdempotencyKey = LedgerWithAttestation.NewKey(), AttestationId = attestation.AttestationId, Reason = AttestationRevocationReason.Superseded,
            });
            withdrawn.Add(Guid.Parse(attestation.AttestationId));
        }

        var kept = Guid.Parse((await ledger.AttestArtifactsAsync($"ghcr.io/acme/kept@{Vendor.Digest("kept")}")).AttestationId);
        // Attestation has published all of it (its outbox is done) before Revocation exists.
        var asRevocation = new AdminClient(ledger.Attestation.CreateChannel(() => ledger.Clients.Mint(TestClients.Revocation, "attestation")));
        await Eventually.True(async () => (await asRevocation.ListPublishedEventsAsync(new ListPublishedEventsRequest())).Events
                .Count(e => e.MessageType.EndsWith(":AttestationRevoked", StringComparison.Ordinal)) == 3,
            TimeSpan.FromSeconds(60), "Attestation to publish its three revocations");

        // Two replicas on one database start at once; both catch up at start and every half second.
        var catchingUp = new Dictionary<string, string?> { ["Ledger:Revocation:CatchUp:AttestationIntervalSeconds"] = "0.5" };
        var replicas = new[] { ledger.Start<Ledger.Revocation.Program>(catchingUp), ledger.Start<Ledger.Revocation.Program>(catchingUp) };
        var jwks = await ledger.FetchJwksAsync();
        async Task<FeedAcceptance> FeedAsync(ServiceHost<Ledger.Revocation.Program> replica)
        {
            using var http = replica.CreateClient();
            return RevocationFeeds.Accept(await http.GetStringAsync(new Uri("/feeds/revocations", UriKind.Relative)), jwks, "ledger", null, DateTimeOffset.UtcNow);
        }

        foreach (var replica in replicas)
        {
            await Eventually.True(async () => await FeedAsync(replica) is { IsAccepted: true } accepted && withdrawn.All(accepted.State!.Revoked.Contains),
                TimeSpan.FromSeconds(60), "each replica's feed to list the attestations withdrawn before Revocation started");
        }

        // Several more passes of both replicas later, each withdrawn attestation is still in the log once.
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var replica in replicas)
        {
            var feed = await FeedAsync(replica);
            Assert.True(feed.IsAccepted, feed.Detail);
            Assert.Equal(withdrawn.Order(), feed.State!.Revoked.Order());
            Assert.DoesNotContain(kept, feed.State.Revoked);
            Assert.Equal(3, feed.State.Version);
        }

        Assert.Contains("attestation revocation(s) RabbitMQ had not delivered", string.Concat(replicas.Select(r => r.Logs.All)), StringComparison.Ordinal);
    }
}
