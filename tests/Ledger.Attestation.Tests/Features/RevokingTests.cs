using Grpc.Core;
using Ledger.Contracts.Attestation.V1;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Attestation.Tests.Features;

public sealed class RevokingTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    private static readonly string App = $"ghcr.io/acme/app:3.1.0@{Vendor.Digest("app-3.1.0")}";

    private Task<RevokeAttestationResponse> RevokeAsync(string attestationId, AttestationRevocationReason reason = AttestationRevocationReason.Superseded) =>
        ledger.Attestations.RevokeAttestationAsync(new RevokeAttestationRequest
        {
            IdempotencyKey = LedgerWithAttestation.NewKey(), AttestationId = attestationId, Reason = reason, Comment = "replaced by 3.1.1",
        }).ResponseAsync;

    [Fact]
    public async Task a_revoked_attestation_is_reported_revoked_by_verify()
    {
        var attestation = await ledger.AttestArtifactsAsync(App);

        var revoked = await RevokeAsync(attestation.AttestationId);
        var verdict = await ledger.VerifyAsync(attestation.SignedStatement, App);

        Assert.True(revoked.NewlyRevoked);
        Assert.Equal(AttestationStatus.Revoked, revoked.Attestation.Status);
        Assert.Equal("superseded", revoked.Attestation.RevocationReason);
        Assert.Equal(Verdict.Revoked, verdict.Verdict);
        Assert.Contains("superseded", verdict.Detail);
        var current = await ledger.Attestations.GetAttestationAsync(new GetAttestationRequest { AttestationId = attestation.AttestationId });
        Assert.Equal(AttestationStatus.Revoked, current.Attestation.Status);
    }

    [Fact]
    public async Task revocation_is_final_and_revoking_again_records_nothing_new()
    {
        var attestation = await ledger.AttestArtifactsAsync(App);
        var first = await RevokeAsync(attestation.AttestationId, AttestationRevocationReason.KeyCompromise);

        var again = await RevokeAsync(attestation.AttestationId, AttestationRevocationReason.Superseded);

        Assert.False(again.NewlyRevoked);
        Assert.Equal("keyCompromise", again.Attestation.RevocationReason);
        Assert.Equal(first.Attestation.RevokedAt, again.Attestation.RevokedAt);
        await using var session = ledger.Attestation.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(Guid.Parse(attestation.AttestationId));
        Assert.Equal(["AttestationIssued", "AttestationRevoked"], events.Select(e => e.Data.GetType().Name));
    }

    [Fact]
    public async Task a_dual_signed_attestation_can_be_revoked_too()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-revoke");
        var attestation = await ledger.CountersignAsync(vendor.SignArtifacts(App));

        await RevokeAsync(attestation.AttestationId);

        Assert.Equal(Verdict.Revoked, (await ledger.VerifyAsync(attestation.SignedStatement, App)).Verdict);
    }

    [Fact]
    public async Task revoking_an_unknown_attestation_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => RevokeAsync(Crypto.UuidV7.NewId().ToString()));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}
