using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Testing;

namespace Ledger.Notary.Tests.KeyManagement;

/// <summary>
/// <c>ImportKey</c>: a Flux distro signing key taken into custody with its kid, so what it signed
/// before the move verifies against Notary's JWKS, and recorded in the key's stream.
/// </summary>
public sealed class ImportTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task a_flux_key_imported_to_verify_keeps_its_kid_and_what_it_signed_verifies_against_the_jwks()
    {
        using var flux = Ed25519SigningKey.Generate();
        var kid = UuidV6.NewId().ToString();
        var fluxLicense = Jws.Sign(Encoding.UTF8.GetBytes("""{"jti":"1f1ec886-0446-6b00-a8a9-2f026f72ae13","iss":"https://vendor.example","sub":"c-505e9309fea19dfc","aud":["flux-operator"]}"""), flux, kid, "JWT");
        var before = await Sign(KeyPurpose.License);

        var imported = await notary.Keys.ImportKeyAsync(new ImportKeyRequest
        {
            Purpose = KeyPurpose.License,
            PrivateJwksJson = FluxPrivateSet(flux, kid),
            SignedUntil = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddYears(1)),
            Reason = "moving from Flux",
        });

        Assert.Equal(kid, imported.Key.Kid);
        Assert.Equal(KeyStatus.Retiring, imported.Key.Status);
        Assert.Equal("", imported.PreviousKid);
        var jwks = await notary.FetchJwksAsync();
        Assert.Equal("license", jwks.Find(kid)!.Purpose);
        Assert.True(Jws.Verify(fluxLicense, jwks).IsValid, "a license key Flux signed must verify against Notary's JWKS");
        Assert.Equal(before.Kid, (await Sign(KeyPurpose.License)).Kid);

        var history = await notary.Keys.GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = kid });
        var entry = Assert.Single(history.Entries);
        Assert.Equal("KeyImported", entry.Event);
        Assert.Contains("moving from Flux", entry.DataJson, StringComparison.Ordinal);
        Assert.Contains("https://vendor.example", entry.DataJson, StringComparison.Ordinal);
        Assert.DoesNotContain(flux.ToJwk(kid, includePrivate: true).D!, entry.DataJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_key_imported_to_activate_signs_and_the_previous_key_retires()
    {
        using var flux = Ed25519SigningKey.Generate();
        var kid = UuidV6.NewId().ToString();
        var before = await Sign(KeyPurpose.Attestation);

        var imported = await notary.Keys.ImportKeyAsync(new ImportKeyRequest { Purpose = KeyPurpose.Attestation, PrivateJwksJson = FluxPrivateSet(flux, kid), Activate = true });
        var after = await Sign(KeyPurpose.Attestation);

        Assert.Equal(KeyStatus.Active, imported.Key.Status);
        Assert.Equal(before.Kid, imported.PreviousKid);
        Assert.Equal(kid, after.Kid);
        Assert.True(Jws.Verify(after.Jws, new JsonWebKeySet([flux.ToJwk(kid, includePrivate: false)])).IsValid, "Notary signs with the imported private key");
        var jwks = await notary.FetchJwksAsync();
        Assert.Equal("retiring", jwks.Find(before.Kid)!.Status);
        var history = await notary.Keys.GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = kid });
        Assert.Equal(["KeyImported", "KeyActivated"], history.Entries.Select(e => e.Event));
    }

    [Fact]
    public async Task bad_imports_are_refused_saying_why_and_change_nothing()
    {
        using var flux = Ed25519SigningKey.Generate();
        var kid = UuidV6.NewId().ToString();
        var keysBefore = (await notary.Keys.ListKeysAsync(new ListKeysRequest())).Keys.Count;

        await Refused(StatusCode.InvalidArgument, "exactly one Ed25519 private key", KeyPurpose.License, new JsonWebKeySet([flux.ToJwk(kid, includePrivate: false)]).ToJson());
        await Refused(StatusCode.InvalidArgument, "must be a UUID", KeyPurpose.License, FluxPrivateSet(flux, "acme:thumbprint"));
        await Refused(StatusCode.InvalidArgument, "signing ring", KeyPurpose.Encryption, FluxPrivateSet(flux, kid));
        await Refused(StatusCode.InvalidArgument, "not a JWKS", KeyPurpose.License, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}");
        await Refused(StatusCode.InvalidArgument, "checkpoint key is Notary's own", KeyPurpose.Checkpoint, FluxPrivateSet(flux, kid));
        await Refused(StatusCode.InvalidArgument, "signed_until: must be in the future", KeyPurpose.License, FluxPrivateSet(flux, kid),
            Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)));
        await Refused(StatusCode.InvalidArgument, "signed_until: not a valid timestamp", KeyPurpose.License, FluxPrivateSet(flux, kid),
            new Timestamp { Seconds = long.MaxValue });
        Assert.Equal(keysBefore, (await notary.Keys.ListKeysAsync(new ListKeysRequest())).Keys.Count);

        await notary.Keys.ImportKeyAsync(new ImportKeyRequest { Purpose = KeyPurpose.Feed, PrivateJwksJson = FluxPrivateSet(flux, kid) });
        await Refused(StatusCode.FailedPrecondition, "already has a key", KeyPurpose.Feed, FluxPrivateSet(flux, kid));
    }

    [Fact]
    public async Task importing_a_key_to_activate_while_a_rotation_is_pending_says_so_in_the_reason()
    {
        using var flux = Ed25519SigningKey.Generate();
        var kid = UuidV6.NewId().ToString();
        await notary.Keys.RotateKeyAsync(new RotateKeyRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Feed, ActivateAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)), Reason = "scheduled",
        });

        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Keys.ImportKeyAsync(
            new ImportKeyRequest { Purpose = KeyPurpose.Feed, PrivateJwksJson = FluxPrivateSet(flux, kid), Activate = true }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("ROTATION_IN_PROGRESS", error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>().Reason);
        Assert.DoesNotContain((await notary.Keys.ListKeysAsync(new ListKeysRequest())).Keys, k => k.Kid == kid);
    }

    private async Task Refused(StatusCode status, string reason, KeyPurpose purpose, string jwks, Timestamp? signedUntil = null)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Keys.ImportKeyAsync(
            new ImportKeyRequest { Purpose = purpose, PrivateJwksJson = jwks, SignedUntil = signedUntil }).ResponseAsync);
        Assert.Equal(status, error.StatusCode);
        Assert.Contains(reason, error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>A signing set as the Flux Operator's keygen writes it: the issuer, one Ed25519 key with a UUIDv6 kid.</summary>
    private static string FluxPrivateSet(Ed25519SigningKey key, string kid) =>
        new JsonWebKeySet([key.ToJwk(kid, includePrivate: true)], issuer: "https://vendor.example").ToJson(includePrivate: true);

    /// <summary>A signature as the service of that purpose asks for one (signing is theirs alone).</summary>
    private async Task<SignResponse> Sign(KeyPurpose purpose) => purpose switch
    {
        KeyPurpose.License => await notary.Licenses.SignAsync(SignRequests.License()),
        KeyPurpose.Attestation => await notary.Attestations.SignAsync(SignRequests.Attestation()),
        _ => await notary.Feeds.SignAsync(SignRequests.Feed()),
    };
}
