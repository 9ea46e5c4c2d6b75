using System.Text.Json;
using Grpc.Core;
using Ledger.Contracts.Attestation.V1;

namespace Ledger.Attestation.Tests.Features;

public sealed class VendorKeysTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    [Fact]
    public async Task a_registered_key_is_named_by_its_thumbprint_and_stored_public_only()
    {
        using var vendor = new Vendor("acme-register");

        var key = (await ledger.RegisterKeyAsync(vendor)).Key;

        Assert.Equal(vendor.Kid, key.Kid);
        Assert.Equal(VendorKeyStatus.Active, key.Status);
        using var jwk = JsonDocument.Parse(key.PublicJwk);
        Assert.Equal(vendor.Kid, jwk.RootElement.GetProperty("kid").GetString());
        Assert.Equal("EdDSA", jwk.RootElement.GetProperty("alg").GetString());
        Assert.False(jwk.RootElement.TryGetProperty("d", out _));
        var listed = await ledger.VendorKeys.ListVendorKeysAsync(new ListVendorKeysRequest { VendorId = "acme-register" });
        Assert.Equal(key, Assert.Single(listed.Keys));
    }

    [Fact]
    public async Task a_key_whose_kid_is_its_thumbprint_is_accepted()
    {
        using var vendor = new Vendor("acme-kid");

        var key = await ledger.VendorKeys.RegisterVendorKeyAsync(new RegisterVendorKeyRequest
        {
            IdempotencyKey = LedgerWithAttestation.NewKey(), VendorId = vendor.Id, PublicJwk = vendor.PublicKey.With(kid: vendor.Kid).ToJson(),
        });

        Assert.Equal(vendor.Kid, key.Key.Kid);
    }

    [Fact]
    public async Task registering_a_key_twice_is_refused_and_a_removed_key_stays_removed()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-twice");

        var again = await Assert.ThrowsAsync<RpcException>(() => ledger.RegisterKeyAsync(vendor));
        var removed = await ledger.RemoveKeyAsync(vendor, "retired");
        var back = await Assert.ThrowsAsync<RpcException>(() => ledger.RegisterKeyAsync(vendor));

        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Contains("already registered", again.Status.Detail);
        Assert.Equal(VendorKeyStatus.Removed, removed.Key.Status);
        Assert.Equal("retired", removed.Key.RemovalReason);
        Assert.Equal(StatusCode.FailedPrecondition, back.StatusCode);
        Assert.Contains("stays removed", back.Status.Detail);
    }

    [Fact]
    public async Task removing_twice_keeps_the_first_removal()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-remove-twice");
        var first = await ledger.RemoveKeyAsync(vendor, "first reason");

        var second = await ledger.RemoveKeyAsync(vendor, "second reason");

        Assert.Equal(first.Key, second.Key);
    }

    [Fact]
    public async Task removing_an_unknown_key_is_not_found()
    {
        using var vendor = new Vendor("acme-nobody");

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.RemoveKeyAsync(vendor));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}
