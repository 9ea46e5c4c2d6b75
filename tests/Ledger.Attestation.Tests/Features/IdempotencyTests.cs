using Grpc.Core;
using Ledger.Contracts.Attestation.V1;

namespace Ledger.Attestation.Tests.Features;

public sealed class IdempotencyTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    private async Task<int> CountAsync(string subject) =>
        (await ledger.Attestations.ListAttestationsAsync(new ListAttestationsRequest { Subject = subject })).Attestations.Count;

    [Fact]
    public async Task a_retry_with_the_same_key_returns_the_first_attestation_not_a_second()
    {
        var artifact = $"ghcr.io/acme/retry@{Vendor.Digest("retry")}";
        var request = new AttestArtifactsRequest { IdempotencyKey = LedgerWithAttestation.NewKey(), Artifacts = { artifact } };

        var first = await ledger.Attestations.AttestArtifactsAsync(request);
        var retry = await ledger.Attestations.AttestArtifactsAsync(request);

        Assert.Equal(first.Attestation, retry.Attestation);
        Assert.Equal(1, await CountAsync(artifact));
    }

    [Fact]
    public async Task concurrent_first_attempts_with_one_key_yield_one_attestation()
    {
        var artifact = $"ghcr.io/acme/race@{Vendor.Digest("race")}";
        var request = new AttestArtifactsRequest { IdempotencyKey = LedgerWithAttestation.NewKey(), Artifacts = { artifact } };

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => ledger.Attestations.AttestArtifactsAsync(request).ResponseAsync));

        Assert.Single(results.Select(r => r.Attestation.AttestationId).Distinct());
        Assert.Equal(1, await CountAsync(artifact));
    }

    [Fact]
    public async Task the_same_key_with_another_request_is_failed_precondition()
    {
        var key = LedgerWithAttestation.NewKey();
        var artifact = $"ghcr.io/acme/reuse@{Vendor.Digest("reuse")}";
        await ledger.Attestations.AttestArtifactsAsync(new AttestArtifactsRequest { IdempotencyKey = key, Artifacts = { artifact } });

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.Attestations.AttestArtifactsAsync(
            new AttestArtifactsRequest { IdempotencyKey = key, Artifacts = { $"ghcr.io/acme/reuse@{Vendor.Digest("reuse-2")}" } }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"'{key}' was already used", error.Status.Detail);
        Assert.Equal(1, await CountAsync(artifact));
    }

    [Fact]
    public async Task a_retried_countersign_returns_the_first_attestation()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-idempotent");
        var request = new CountersignRequest { IdempotencyKey = LedgerWithAttestation.NewKey(), Statement = vendor.SignArtifacts($"ghcr.io/acme/dual@{Vendor.Digest("dual")}") };

        var first = await ledger.Attestations.CountersignAsync(request);
        var retry = await ledger.Attestations.CountersignAsync(request);

        Assert.Equal(first.Attestation, retry.Attestation);
    }

    [Fact]
    public async Task a_retried_key_registration_and_revocation_act_once()
    {
        using var vendor = new Vendor("acme-retries");
        var register = new RegisterVendorKeyRequest { IdempotencyKey = LedgerWithAttestation.NewKey(), VendorId = vendor.Id, PublicJwk = vendor.PublicJwk };
        Assert.Equal(
            (await ledger.VendorKeys.RegisterVendorKeyAsync(register)).Key,
            (await ledger.VendorKeys.RegisterVendorKeyAsync(register)).Key);

        var attestation = await ledger.AttestArtifactsAsync($"ghcr.io/acme/revoke-retry@{Vendor.Digest("revoke-retry")}");
        var revoke = new RevokeAttestationRequest { IdempotencyKey = LedgerWithAttestation.NewKey(), AttestationId = attestation.AttestationId };
        var first = await ledger.Attestations.RevokeAttestationAsync(revoke);
        var retry = await ledger.Attestations.RevokeAttestationAsync(revoke);

        Assert.True(first.NewlyRevoked);
        Assert.Equal(first, retry);
    }
}
