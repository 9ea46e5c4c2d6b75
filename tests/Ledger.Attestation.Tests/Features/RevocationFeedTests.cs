using Ledger.Contracts.Attestation.V1;
using Ledger.Testing;
using Ledger.Verification;

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
