using System.Text;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Attestation.V1;
using Ledger.Crypto;

namespace Ledger.Attestation.Tests.Features;

public sealed class CountersigningTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    private static readonly string App = $"ghcr.io/acme/app:2.0.0@{Vendor.Digest("app-2.0.0")}";

    [Fact]
    public async Task a_vendor_statement_comes_back_with_both_signatures_over_the_same_payload()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-dual");
        var payload = vendor.ArtifactsStatement(App);
        var statement = vendor.Sign(payload);

        var attestation = await ledger.CountersignAsync(statement);

        var dual = JwsJson.Parse(attestation.SignedStatement);
        Assert.Equal(payload, dual.PayloadBytes());
        Assert.Equal(2, dual.Signatures.Count);
        Assert.Equal(statement, dual.ToCompact(0));
        Assert.True(dual.Verify(0, new JsonWebKeySet([vendor.PublicKey.With(kid: vendor.Kid)])).IsValid);
        var notary = dual.Verify(1, await ledger.FetchJwksAsync(), new JwsVerifyOptions { RequiredType = "attestation+jwt" });
        Assert.True(notary.IsValid, notary.Detail);
        Assert.Equal(attestation.NotaryKid, notary.Kid);
        Assert.Equal("acme-dual", attestation.VendorId);
        Assert.Equal(vendor.Kid, attestation.VendorKid);
        Assert.Equal(System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("jti").GetString(), attestation.AttestationId);
        Assert.Equal(Verdict.Valid, (await ledger.VerifyAsync(attestation.SignedStatement, App)).Verdict);
    }

    [Fact]
    public async Task a_statement_by_an_unregistered_key_is_refused_with_the_reason_and_nothing_is_recorded()
    {
        using var registered = await ledger.RegisterVendorAsync("acme-unknown");
        using var stranger = new Vendor("acme-unknown");
        var before = await ledger.EventCountAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.CountersignAsync(stranger.SignArtifacts(App)));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"{stranger.Kid}, which is not registered for vendor acme-unknown", error.Status.Detail);
        Assert.Equal(before, await ledger.EventCountAsync());
    }

    [Fact]
    public async Task another_vendors_key_cannot_sign_for_a_vendor()
    {
        using var acme = await ledger.RegisterVendorAsync("acme-victim");
        using var other = await ledger.RegisterVendorAsync("other-vendor");
        var claimsAcme = Encoding.UTF8.GetString(other.ArtifactsStatement(App)).Replace("\"other-vendor\"", "\"acme-victim\"", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.CountersignAsync(other.Sign(claimsAcme)));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("not registered for vendor acme-victim", error.Status.Detail);
    }

    [Fact]
    public async Task a_statement_countersigned_after_the_vendor_key_was_removed_fails()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-removed");
        var signedBeforeRemoval = vendor.SignArtifacts(App);
        await ledger.RemoveKeyAsync(vendor, "laptop stolen");
        var before = await ledger.EventCountAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.CountersignAsync(signedBeforeRemoval));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("was removed at", error.Status.Detail);
        Assert.Contains("laptop stolen", error.Status.Detail);
        Assert.Equal(before, await ledger.EventCountAsync());
    }

    [Fact]
    public async Task removing_the_vendor_key_fails_verification_of_what_it_countersigned_before()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-withdrawn");
        var attestation = await ledger.CountersignAsync(vendor.SignArtifacts(App));
        Assert.Equal(Verdict.Valid, (await ledger.VerifyAsync(attestation.SignedStatement, App)).Verdict);

        await ledger.RemoveKeyAsync(vendor, "key compromised");
        var verdict = await ledger.VerifyAsync(attestation.SignedStatement, App);

        Assert.Equal(Verdict.VendorKeyRemoved, verdict.Verdict);
        Assert.Contains(vendor.Kid, verdict.Detail);
        Assert.Contains("key compromised", verdict.Detail);
    }

    [Fact]
    public async Task rotation_registers_a_second_key_and_both_sign_until_the_old_one_is_removed()
    {
        using var first = await ledger.RegisterVendorAsync("acme-rotating");
        using var second = new Vendor("acme-rotating");
        await ledger.RegisterKeyAsync(second);
        var byFirst = await ledger.CountersignAsync(first.SignArtifacts(App));
        var bySecond = await ledger.CountersignAsync(second.SignArtifacts(App));
        Assert.Equal(Verdict.Valid, (await ledger.VerifyAsync(byFirst.SignedStatement, App)).Verdict);

        await ledger.RemoveKeyAsync(first);

        Assert.Equal(Verdict.VendorKeyRemoved, (await ledger.VerifyAsync(byFirst.SignedStatement, App)).Verdict);
        Assert.Equal(Verdict.Valid, (await ledger.VerifyAsync(bySecond.SignedStatement, App)).Verdict);
        var keys = await ledger.VendorKeys.ListVendorKeysAsync(new ListVendorKeysRequest { VendorId = "acme-rotating" });
        Assert.Equal([VendorKeyStatus.Removed, VendorKeyStatus.Active], keys.Keys.Select(k => k.Status));
    }

    [Fact]
    public async Task notarys_signature_alone_does_not_verify_a_vendor_statement()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-stripped");
        var attestation = await ledger.CountersignAsync(vendor.SignArtifacts(App));
        var dual = JwsJson.Parse(attestation.SignedStatement);

        var notaryOnly = await ledger.VerifyAsync(dual.ToCompact(1), App);
        var vendorOnly = await ledger.VerifyAsync(dual.ToCompact(0), App);

        Assert.Equal(Verdict.VendorSignatureMissing, notaryOnly.Verdict);
        Assert.Equal(Verdict.UnknownKey, vendorOnly.Verdict);
    }

    [Fact]
    public async Task a_forged_vendor_signature_fails_verification()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-forged");
        var attestation = await ledger.CountersignAsync(vendor.SignArtifacts(App));
        var dual = JwsJson.Parse(attestation.SignedStatement);
        var signature = Base64Url.Decode(dual.Signatures[0].Signature);
        signature[10] ^= 0x01;

        var forged = JwsJson.Create(dual.Payload, [dual.Signatures[0] with { Signature = Base64Url.Encode(signature) }, dual.Signatures[1]]);
        var verdict = await ledger.VerifyAsync(forged.ToJson(), App);

        Assert.Equal(Verdict.VendorSignatureInvalid, verdict.Verdict);
    }

    [Fact]
    public async Task a_statement_changed_after_the_vendor_signed_is_invalid_argument()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-tampered");
        var parts = vendor.SignArtifacts(App).Split('.');
        var changed = vendor.ArtifactsStatement($"ghcr.io/acme/app@{Vendor.Digest("evil")}");
        var before = await ledger.EventCountAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.CountersignAsync($"{parts[0]}.{Base64Url.Encode(changed)}.{parts[2]}"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("statement", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
        Assert.Contains("does not verify", error.Status.Detail);
        Assert.Equal(before, await ledger.EventCountAsync());
    }

    [Fact]
    public async Task a_statement_id_is_used_once()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-replay");
        var statement = vendor.SignArtifacts(App);
        await ledger.CountersignAsync(statement);

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.CountersignAsync(statement));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("jti", error.Status.Detail);
    }

    [Fact]
    public async Task a_dual_signed_manifest_statement_verifies_against_the_directory()
    {
        using var vendor = await ledger.RegisterVendorAsync("acme-manifests");
        using var directory = new ManifestDirectory();
        var attestation = await ledger.CountersignAsync(vendor.Sign(vendor.ManifestStatement("acme/platform", directory.Hash(), ManifestDirectory.Ignore)));

        var verdict = await ledger.Attestations.VerifyAsync(new VerifyRequest { Attestation = attestation.SignedStatement, ManifestDigest = directory.Hash() });

        Assert.Equal(Verdict.Valid, verdict.Verdict);
        Assert.Equal(AttestationKind.Manifest, attestation.Kind);
    }
}
