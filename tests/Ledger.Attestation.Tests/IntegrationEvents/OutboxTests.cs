using Ledger.Contracts.Attestation.V1;
using Ledger.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Attestation.Tests.IntegrationEvents;

public sealed class OutboxTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    [Fact]
    public async Task issued_and_revoked_are_published_with_the_marten_event_id_as_message_id()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "AttestationIssued", "AttestationRevoked");
        var artifact = $"ghcr.io/acme/app:5.0.0@{Vendor.Digest("outbox")}";
        var expiresAt = DateTimeOffset.UtcNow.AddDays(90);
        var attestation = (await ledger.Attestations.AttestArtifactsAsync(new AttestArtifactsRequest
        {
            IdempotencyKey = LedgerWithAttestation.NewKey(), Artifacts = { artifact }, ExpiresAt = LedgerWithAttestation.At(expiresAt),
        })).Attestation;
        await ledger.Attestations.RevokeAttestationAsync(new RevokeAttestationRequest
        {
            IdempotencyKey = LedgerWithAttestation.NewKey(), AttestationId = attestation.AttestationId, Reason = AttestationRevocationReason.CessationOfOperation,
        });

        var both = await subscriber.EachAsync(
            ["AttestationIssued", "AttestationRevoked"], e => e.Message.GetProperty("attestationId").GetString() == attestation.AttestationId ? e.Type : null);
        var (issued, revoked) = (both["AttestationIssued"], both["AttestationRevoked"]);

        await using var session = ledger.Attestation.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(Guid.Parse(attestation.AttestationId));
        Assert.True(issued.Sequence < revoked.Sequence, $"issued at sequence {issued.Sequence}, revoked at {revoked.Sequence}");
        Assert.Equal(events.Select(e => e.Id), new[] { issued.MessageId, revoked.MessageId });
        Assert.Equal("artifacts", issued.Message.GetProperty("kind").GetString());
        Assert.Equal([artifact], issued.Message.GetProperty("subjects").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), issued.Message.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal("cessationOfOperation", revoked.Message.GetProperty("reason").GetString());
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), revoked.Message.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
    }

    [Fact]
    public async Task a_dual_signed_attestation_is_published_with_the_vendor_kid()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "AttestationIssued");
        using var vendor = await ledger.RegisterVendorAsync("acme-outbox");
        using var directory = new Features.ManifestDirectory();
        var attestation = await ledger.CountersignAsync(vendor.Sign(vendor.ManifestStatement("acme/platform", directory.Hash())));

        var issued = await subscriber.NextAsync(e => e.Message.GetProperty("attestationId").GetString() == attestation.AttestationId);

        Assert.Equal("manifest", issued.Message.GetProperty("kind").GetString());
        Assert.Equal(vendor.Kid, issued.Message.GetProperty("vendorKid").GetString());
        Assert.Equal([directory.Hash()], issued.Message.GetProperty("subjects").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task vendor_key_changes_stay_inside_the_service()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(ledger.VirtualHost.Amqp, "AttestationIssued", "AttestationRevoked");
        using var vendor = await ledger.RegisterVendorAsync("acme-quiet");
        await ledger.RemoveKeyAsync(vendor);
        var marker = await ledger.AttestArtifactsAsync($"ghcr.io/acme/marker@{Vendor.Digest("marker")}");

        // Published in commit order: by the time the later attestation arrives, the key events would have too.
        await subscriber.NextAsync(e => e.Message.GetProperty("attestationId").GetString() == marker.AttestationId);

        Assert.DoesNotContain(subscriber.Drain(), e => e.Message.TryGetProperty("kid", out _));
    }
}
