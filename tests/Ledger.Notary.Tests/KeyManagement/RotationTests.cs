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

        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.License, Reason = "scheduled" });
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
            IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Attestation, ActivateAt = Timestamp.FromDateTimeOffset(activateAt),
        });

        Assert.Equal(KeyStatus.Pending, rotation.NewKey.Status);
        Assert.Equal("pending", (await notary.FetchJwksAsync()).Find(rotation.NewKey.Kid)!.Status);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Attestation }).ResponseAsync);
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
        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Encryption, Reason = "retirement test" });

        var retired = await subscriber.NextAsync(e => e.Message.GetProperty("kid").GetString() == rotation.PreviousKid, TimeSpan.FromSeconds(60));
        Assert.Equal("encryption", retired.Message.GetProperty("purpose").GetString());
        // The event goes out from the outbox once the retirement commits; the sweep refreshes the ring just after.
        await Eventually.True(async () => (await notary.FetchJwksAsync()).Find(rotation.PreviousKid) is null, TimeSpan.FromSeconds(10), "the JWKS to drop the retired key");
        var history = await notary.Keys.GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = rotation.PreviousKid });
        Assert.Equal(("KeyRetired", "notary"), (history.Entries[^1].Event, history.Entries[^1].RequestedBy));
    }

    [Fact]
    public async Task a_retiring_key_with_unexpired_tokens_cannot_be_retired()
    {
        await notary.Licenses.SignAsync(SignRequests.License(SignRequests.LicenseClaims(lifetime: TimeSpan.FromDays(365))));
        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.License });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RetireKeyAsync(new RetireKeyRequest { Kid = rotation.PreviousKid }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("stay valid until", error.Status.Detail);
        Assert.Equal("retiring", (await notary.FetchJwksAsync()).Find(rotation.PreviousKid)!.Status);
    }

    [Fact]
    public async Task retires_of_one_key_at_once_all_answer_retired_and_record_one_retirement()
    {
        // An encryption key signs nothing, so once rotated out it may be retired at once, by a key admin or
        // by Notary's own sweep: whichever commits first, the others must answer with the retired key, not ABORTED.
        var rotation = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Encryption, Reason = "concurrent retire" });

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            notary.Keys.RetireKeyAsync(new RetireKeyRequest { Kid = rotation.PreviousKid, Reason = "at once" }).ResponseAsync));
        var history = await notary.Keys.GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = rotation.PreviousKid });

        Assert.All(answers, a => Assert.Equal(KeyStatus.Retired, a.Key.Status));
        Assert.Single(history.Entries, e => e.Event == "KeyRetired");
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
    public async Task a_retried_rotation_returns_the_first_new_key_and_makes_no_second()
    {
        var request = new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Encryption, Reason = "retried" };
        var keysBefore = await RingKids(KeyPurpose.Encryption);

        var first = await notary.Keys.RotateKeyAsync(request);
        // Four retries at once, as clients whose answer was lost would send them: each waits for the ring, then finds the first rotation.
        var retries = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => notary.Keys.RotateKeyAsync(request).ResponseAsync));

        Assert.All(retries, retry => Assert.Equal(first, retry));
        var keysAfter = await RingKids(KeyPurpose.Encryption);
        Assert.Equal([first.NewKey.Kid], keysAfter.Except(keysBefore));
        var history = await notary.Keys.GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = first.PreviousKid });
        Assert.Single(history.Entries, e => e.Event == "KeyRotatedOut");
    }

    [Fact]
    public async Task rotations_sent_at_once_under_one_key_make_one_new_key()
    {
        var request = new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Encryption, Reason = "at once" };
        var keysBefore = await RingKids(KeyPurpose.Encryption);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => notary.Keys.RotateKeyAsync(request).ResponseAsync));

        Assert.Single(responses.Select(r => r.NewKey.Kid).Distinct());
        Assert.Equal([responses[0].NewKey.Kid], (await RingKids(KeyPurpose.Encryption)).Except(keysBefore));
    }

    [Fact]
    public async Task an_idempotency_key_reused_for_another_rotation_is_refused_and_rotates_nothing()
    {
        var key = Guid.NewGuid().ToString();
        await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = key, Purpose = KeyPurpose.Encryption, Reason = "first" });
        var keysBefore = await RingKids(KeyPurpose.Encryption);

        var otherReason = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = key, Purpose = KeyPurpose.Encryption, Reason = "second" }).ResponseAsync);
        var otherRing = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = key, Purpose = KeyPurpose.Checkpoint, Reason = "first" }).ResponseAsync);

        foreach (var error in new[] { otherReason, otherRing })
        {
            Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
            Assert.Equal("IDEMPOTENCY_KEY_REUSED", error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>().Reason);
        }

        Assert.Equal(keysBefore, await RingKids(KeyPurpose.Encryption));
    }

    [Fact]
    public async Task a_rotation_without_an_idempotency_key_is_refused_naming_the_field()
    {
        var keysBefore = await RingKids(KeyPurpose.Encryption);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RotateKeyAsync(new RotateKeyRequest { Purpose = KeyPurpose.Encryption }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("idempotency_key", Assert.Single(error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations).Field);
        Assert.Equal(keysBefore, await RingKids(KeyPurpose.Encryption));
    }

    [Fact]
    public async Task one_refusal_names_every_invalid_field_of_a_key_request()
    {
        var tooLong = new string('r', 501);
        var kidsBefore = (await notary.Keys.ListKeysAsync(new ListKeysRequest())).Keys.Select(k => k.Kid).ToHashSet();

        var rotate = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RotateKeyAsync(new RotateKeyRequest { Reason = tooLong, ActivateAt = DateTimeOffset.UtcNow.AddYears(2).ToTimestamp() }).ResponseAsync);
        var retire = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.RetireKeyAsync(new RetireKeyRequest { Kid = "not-a-kid", Reason = tooLong }).ResponseAsync);
        var compromise = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.MarkKeyCompromisedAsync(new MarkKeyCompromisedRequest { Reason = tooLong }).ResponseAsync);
        var import = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Keys.ImportKeyAsync(new ImportKeyRequest { Purpose = KeyPurpose.Encryption, PrivateJwksJson = "{}", Reason = tooLong }).ResponseAsync);

        Assert.Equal(["purpose", "reason", "idempotency_key", "activate_at"], Fields(rotate));
        Assert.Equal(["kid", "reason"], Fields(retire));
        Assert.Equal(["kid", "reason"], Fields(compromise));
        Assert.Equal(["purpose", "private_jwks_json", "reason"], Fields(import));
        Assert.Equal(kidsBefore, (await notary.Keys.ListKeysAsync(new ListKeysRequest())).Keys.Select(k => k.Kid).ToHashSet());

        static string[] Fields(RpcException error)
        {
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            return error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(v => v.Field).ToArray();
        }
    }

    [Fact]
    public async Task key_history_lists_lifecycle_events_in_order_with_who_asked()
    {
        // Two rotations, so the key whose history is read was made by a client of this test, whatever other tests did to the ring.
        var made = await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Encryption, Reason = "yearly" });
        await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Encryption, Reason = "next year" });

        var history = await notary.Keys.GetKeyHistoryAsync(new GetKeyHistoryRequest { Kid = made.NewKey.Kid });

        Assert.Equal(["KeyGenerated", "KeyActivated", "KeyRotatedOut"], history.Entries.Take(3).Select(e => e.Event));
        Assert.Equal([1L, 2L, 3L], history.Entries.Take(3).Select(e => e.Version));
        Assert.All(history.Entries.Take(3), e => Assert.Equal(TestClients.Admin, e.RequestedBy));
        Assert.Contains("yearly", history.Entries[0].DataJson, StringComparison.Ordinal);
        // The key signed nothing, so Notary's sweep may already have retired it, by itself.
        Assert.All(history.Entries.Skip(3), e => Assert.Equal(("KeyRetired", "notary"), (e.Event, e.RequestedBy)));
        Assert.DoesNotContain("\"d\"", string.Concat(history.Entries.Select(e => e.DataJson)));
    }

    [Fact]
    public async Task jwks_lists_every_purpose_with_use_alg_and_answers_304_to_its_etag()
    {
        using var http = notary.Notary.CreateClient();
        // Notary's sweep may retire a key another test rotated out between the two reads, which rightly
        // changes the set and its ETag; read again until both reads saw the same set.
        string json, cacheControl;
        HttpStatusCode revalidated;
        for (var attempt = 1; ; attempt++)
        {
            using var first = await http.GetAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));
            using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
            request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            using var second = await http.SendAsync(request);
            if (second.StatusCode == HttpStatusCode.OK && !Equals(second.Headers.ETag, first.Headers.ETag) && attempt < 5)
            {
                continue;
            }

            json = await first.Content.ReadAsStringAsync();
            cacheControl = first.Headers.CacheControl!.ToString();
            revalidated = second.StatusCode;
            break;
        }

        var jwks = JsonWebKeySet.Parse(json);
        Assert.Equal(HttpStatusCode.NotModified, revalidated);
        Assert.Contains("max-age", cacheControl);
        Assert.Contains(jwks.Keys, k => k is { Kty: "OKP", Crv: "Ed25519", Use: "sig", Alg: "EdDSA" });
        Assert.Contains(jwks.Keys, k => k is { Kty: "EC", Crv: "P-256", Use: "enc", Alg: "ECDH-ES+A128KW" } && k.Y is not null);
        Assert.All(jwks.Keys, k => Assert.Null(k.D));
    }

    private async Task<List<string>> RingKids(KeyPurpose purpose) =>
        (await notary.Keys.ListKeysAsync(new ListKeysRequest { Purpose = purpose })).Keys.Select(k => k.Kid).Order(StringComparer.Ordinal).ToList();

    private async Task<SignResponse> Sign(KeyPurpose purpose) => purpose switch
    {
        KeyPurpose.License => await notary.Licenses.SignAsync(SignRequests.License(SignRequests.LicenseClaims(lifetime: TimeSpan.FromDays(1)))),
        KeyPurpose.Feed => await notary.Feeds.SignAsync(SignRequests.Feed()),
        _ => await notary.Attestations.SignAsync(SignRequests.Attestation()),
    };
}
