using Grpc.Core;
using Ledger.Contracts.Attestation.V1;

namespace Ledger.Attestation.Tests.Features;

public sealed class QueryingTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    [Fact]
    public async Task get_returns_the_attestation_as_issued()
    {
        var artifact = $"ghcr.io/acme/get@{Vendor.Digest("get")}";
        var attestation = await ledger.AttestArtifactsAsync(artifact);

        var fetched = await ledger.Attestations.GetAttestationAsync(new GetAttestationRequest { AttestationId = attestation.AttestationId });

        Assert.Equal(attestation, fetched.Attestation);
    }

    [Fact]
    public async Task get_of_an_unknown_id_is_not_found_and_of_a_malformed_id_invalid()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Attestations.GetAttestationAsync(new GetAttestationRequest { AttestationId = Crypto.UuidV7.NewId().ToString() }).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Attestations.GetAttestationAsync(new GetAttestationRequest { AttestationId = "not-an-id" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
    }

    [Fact]
    public async Task list_pages_newest_first_and_filters_by_subject_kind_and_vendor()
    {
        var shared = $"ghcr.io/acme/listed@{Vendor.Digest("listed")}";
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await ledger.AttestArtifactsAsync(shared, $"ghcr.io/acme/other-{i}@{Vendor.Digest($"other-{i}")}")).AttestationId);
        }

        using var vendor = await ledger.RegisterVendorAsync("acme-listing");
        var dual = await ledger.CountersignAsync(vendor.SignArtifacts(shared));

        var pages = new List<string>();
        var request = new ListAttestationsRequest { Subject = shared, PageSize = 2 };
        do
        {
            var page = await ledger.Attestations.ListAttestationsAsync(request);
            Assert.True(page.Attestations.Count <= 2);
            pages.AddRange(page.Attestations.Select(a => a.AttestationId));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal([dual.AttestationId, .. Enumerable.Reverse(ids)], pages);
        var byVendor = await ledger.Attestations.ListAttestationsAsync(new ListAttestationsRequest { VendorId = "acme-listing" });
        Assert.Equal(dual.AttestationId, Assert.Single(byVendor.Attestations).AttestationId);
        var manifests = await ledger.Attestations.ListAttestationsAsync(new ListAttestationsRequest { Kind = AttestationKind.Manifest, Subject = shared });
        Assert.Empty(manifests.Attestations);
    }

    [Fact]
    public async Task a_page_token_not_issued_by_the_service_is_invalid()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Attestations.ListAttestationsAsync(new ListAttestationsRequest { PageToken = "garbage!" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("page_token", error.Status.Detail);
    }
}
