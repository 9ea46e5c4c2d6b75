using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Testing;

namespace Ledger.Notary.Tests.KeyManagement;

public sealed class RotationTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task after_rotation_old_tokens_still_verify_and_new_tokens_carry_the_new_kid()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(notary.VirtualHost.Amqp, "SigningKeyRotated");
        var before = await Sign(KeyPurpose.License);

        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { Purpose = KeyPurpose.License, Reason = "scheduled" });
        var after = await Sign(KeyPurpose.License);
        var jwks = await notary.FetchJwksAsync();

        Assert.Equal(before.Kid, rotation.PreviousKid);
        Assert.Equal(rotation.NewKey.Kid, after.Kid);
        Assert.NotEqual(before.Kid, after.Kid);
        Assert.True(Jws.Verify(before.Jws, jwks).IsValid, "a token signed before rotation must still verify");
        Assert.True(Jws.Verify(after.Jws, jwks).IsValid);
        Assert.Equal("retiring", jwks.Find(before.Kid)!.Status);
        Assert.Equal("active", jwks.Find(after.Kid)!.Status);

        var published = await subscriber.NextAsync(e => e.Message.GetProperty("kid").GetString() == after.Kid);
        Assert.Equal("SigningKeyRotated", published.Type);
        Assert.Equal(before.Kid, published.Message.GetProperty("previousKid").GetString());
    }

    [Fact]
    public async Task a_pending_rotation_publishes_the_key_ahead_and_blocks_a_second_rotation()
    {
        var activateAt = DateTimeOffset.UtcNow.AddHours(1);
        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest
        {
            Purpose = KeyPurpose.Attestation, ActivateAt = Timestamp.FromDateTimeOffset(activateAt),
        });

        Assert.Equal(KeyStatus.Pending, rotation.NewKey.Status);
        Assert.Equal("pending", (await notary.FetchJwksAsync()).Find(rotation.NewKey.Kid)!.Status);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RotateKeyAsync(new RotateKeyRequest { Purpose = KeyPurpose.Attestation }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("in progress", error.Status.Detail);

        // Retiring the pending key cancels the rotation; the active key keeps signing.
        await notary.Keys.RetireKeyAsync(new RetireKeyRequest { Kid = rotation.NewKey.Kid, Reason = "cancel" });
        Assert.Null((await notary.FetchJwksAsync()).Find(rotation.NewKey.Kid));
        var signed = await Sign(KeyPurpose.Attestation);
        Assert.NotEqual(rotation.NewKey.Kid, signed.Kid);
    }

    [Fact]
    public async Task a_compromised_key_leaves_the_jwks_at_once_and_its_ring_gets_a_new_key()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(notary.VirtualHost.Amqp, "SigningKeyCompromised");
        var signed = await Sign(KeyPurpose.Feed);

        var marked = await notary.Keys.MarkKeyCompromisedAsync(new MarkKeyCompromisedRequest { Kid = signed.Kid, Reason = "laptop stolen" });
        var jwks = await notary.FetchJwksAsync();

        Assert.Equal(KeyStatus.Compromised, marked.Key.Status);
        Assert.Null(jwks.Find(signed.Kid));
        Assert.False(Jws.Verify(signed.Jws, jwks).IsValid);
        Assert.NotNull(marked.Replacement);
        Assert.Equal(marked.Replacement.Kid, (await Sign(KeyPurpose.Feed)).Kid);

        var published = await subscriber.NextAsync(e => e.Message.GetProperty("kid").GetString() == signed.Kid);
        Assert.Equal("laptop stolen", published.Message.GetProperty("reason").GetString());
        Assert.Equal("feed", published.Message.GetProperty("purpose").GetString());
    }

    [Fact]
    public async Task a_rotated_out_key_that_signed_nothing_is_retired_by_notary_and_subscribers_hear_of_it()
    {
        await using var subscriber = await AmqpSubscriber.StartAsync(notary.VirtualHost.Amqp, "SigningKeyRetired");

        // Encryption keys never sign, so nothing keeps the previous one published once it is rotated out.
        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { Purpose = KeyPurpose.Encryption, Reason = "retirement test" });

        var retired = await subscriber.NextAsync(e => e.Message.GetProperty("kid").GetString() == rotation.PreviousKid, TimeSpan.FromSeconds(60));
        Assert.Equal("encryption", retired.Message.GetProperty("purpose").GetString());
        Assert.Null((await notary.FetchJwksAsync()).Find(rotation.PreviousKid));
        var history = await notary.Keys.GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = rotation.PreviousKid });
        Assert.Equal(("KeyRetired", "notary"), (history.Entries[^1].Event, history.Entries[^1].RequestedBy));
    }

    [Fact]
    public async Task a_retiring_key_with_unexpired_tokens_cannot_be_retired()
    {
        await notary.Licenses.SignAsync(SignRequests.License(SignRequests.LicenseClaims(lifetime: TimeSpan.FromDays(365))));
        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { Purpose = KeyPurpose.License });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RetireKeyAsync(new RetireKeyRequest { Kid = rotation.PreviousKid }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("stay valid until", error.Status.Detail);
        Assert.Equal("retiring", (await notary.FetchJwksAsync()).Find(rotation.PreviousKid)!.Status);
    }

    [Fact]
    public async Task the_active_key_cannot_be_retired()
    {
        var active = await Sign(KeyPurpose.License);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RetireKeyAsync(new RetireKeyRequest { Kid = active.Kid }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task unknown_and_malformed_kids_are_not_found_and_invalid_argument()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RetireKeyAsync(new RetireKeyRequest { Kid = UuidV7.NewId().ToString() }).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.MarkKeyCompromisedAsync(new MarkKeyCompromisedRequest { Kid = "../../etc/passwd" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
    }

    [Fact]
    public async Task unspecified_purpose_cannot_rotate()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Keys.RotateKeyAsync(new RotateKeyRequest()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task key_history_lists_lifecycle_events_in_order_with_who_asked()
    {
        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { Purpose = KeyPurpose.Encryption, Reason = "yearly" });

        var history = await notary.Keys.GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = rotation.PreviousKid });

        Assert.Equal(["KeyGenerated", "KeyActivated", "KeyRotatedOut"], history.Entries.Take(3).Select(e => e.Event));
        Assert.Equal([1L, 2L, 3L], history.Entries.Take(3).Select(e => e.Version));
        // The key signed nothing, so Notary's sweep may already have retired it, by itself.
        Assert.All(history.Entries.Skip(3), e => Assert.Equal(("KeyRetired", "notary"), (e.Event, e.RequestedBy)));
        Assert.Equal("notary", history.Entries[0].RequestedBy);
        Assert.DoesNotContain("\"d\"", string.Concat(history.Entries.Select(e => e.DataJson)));
    }

    [Fact]
    public async Task jwks_lists_every_purpose_with_use_alg_and_answers_304_to_its_etag()
    {
        using var http = notary.Notary.CreateClient();
        using var first = await http.GetAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));
        var etag = first.Headers.ETag!;
        var jwks = JsonWebKeySet.Parse(await first.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Contains("max-age", first.Headers.CacheControl!.ToString());
        Assert.Contains(jwks.Keys, k => k is { Kty: "OKP", Crv: "Ed25519", Use: "sig", Alg: "EdDSA" });
        Assert.Contains(jwks.Keys, k => k is { Kty: "EC", Crv: "P-256", Use: "enc", Alg: "ECDH-ES+A128KW" } && k.Y is not null);
        Assert.All(jwks.Keys, k => Assert.Null(k.D));
    }

    private async Task<SignResponse> Sign(KeyPurpose purpose) => purpose switch
    {
        KeyPurpose.License => await notary.Licenses.SignAsync(SignRequests.License(SignRequests.LicenseClaims(lifetime: TimeSpan.FromDays(1)))),
        KeyPurpose.Feed => await notary.Feeds.SignAsync(SignRequests.Feed()),
        _ => await notary.Attestations.SignAsync(SignRequests.Attestation()),
    };
}
