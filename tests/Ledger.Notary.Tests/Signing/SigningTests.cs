using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Ledger.Verification;

namespace Ledger.Notary.Tests.Signing;

public sealed class SigningTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task token_signed_by_notary_verifies_with_the_jwks_it_serves()
    {
        var request = SignRequests.License();
        var signed = await notary.Licenses.SignAsync(request);

        var verification = Jws.Verify(signed.Jws, await notary.FetchJwksAsync());

        Assert.True(verification.IsValid, verification.Failure.ToString());
        Assert.Equal(signed.Kid, verification.Kid);
        Assert.Equal(request.Payload.ToByteArray(), verification.Payload);
        Assert.Equal("license+jwt", verification.Header!.Value.GetProperty("typ").GetString());
    }

    [Fact]
    public async Task batch_signs_every_payload_in_order_with_one_key()
    {
        var claims = Enumerable.Range(0, 25).Select(_ => SignRequests.LicenseClaims()).ToList();
        var request = new SignBatchRequest { Purpose = KeyPurpose.License, Typ = "license+jwt", ExpiresAt = Timestamp.FromDateTimeOffset(claims.Max(c => c.ExpiresAt)) };
        request.Payloads.AddRange(claims.Select(c => ByteString.CopyFrom(c.ToJson())));

        var signed = await notary.Licenses.SignBatchAsync(request);
        var jwks = await notary.FetchJwksAsync();

        Assert.Equal(25, signed.Jws.Count);
        Assert.Equal(25, signed.LogIndexes.Distinct().Count());
        for (var i = 0; i < 25; i++)
        {
            var verification = Jws.Verify(signed.Jws[i], jwks);
            Assert.True(verification.IsValid);
            Assert.Equal(signed.Kid, verification.Kid);
            Assert.Equal(claims[i].ToJson(), verification.Payload);
        }
    }

    [Fact]
    public async Task countersignature_verifies_over_the_same_payload()
    {
        var payload = SignRequests.AttestationStatement();
        var countersigned = await notary.Attestations.CountersignAsync(SignRequests.Countersign(payload));

        var compact = $"{countersigned.Protected}.{Base64Url.Encode(payload)}.{countersigned.Signature}";
        var verification = Jws.Verify(compact, await notary.FetchJwksAsync());

        Assert.True(verification.IsValid);
        Assert.Equal(countersigned.Kid, verification.Kid);
    }

    [Fact]
    public async Task each_purpose_signs_with_its_own_key()
    {
        var license = await notary.Licenses.SignAsync(SignRequests.License());
        var feed = await notary.Feeds.SignAsync(SignRequests.Feed());

        Assert.NotEqual(license.Kid, feed.Kid);
    }

    [Theory]
    [InlineData(KeyPurpose.License)]
    [InlineData(KeyPurpose.Feed)]
    [InlineData(KeyPurpose.Attestation)]
    public async Task an_api_client_holding_every_api_role_may_not_sign(KeyPurpose purpose)
    {
        var admin = notary.SigningAs(TestClients.Admin);
        var request = purpose switch
        {
            KeyPurpose.License => SignRequests.License(),
            KeyPurpose.Feed => SignRequests.Feed(),
            _ => SignRequests.Attestation(),
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => admin.SignAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task a_service_identity_signs_only_its_own_purpose()
    {
        var feedByIssuance = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.SignAsync(SignRequests.Feed()).ResponseAsync);
        var licenseByRevocation = await Assert.ThrowsAsync<RpcException>(() => notary.Feeds.SignAsync(SignRequests.License()).ResponseAsync);
        var countersignByIssuance = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.CountersignAsync(SignRequests.Countersign()).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, feedByIssuance.StatusCode);
        Assert.Contains("'feed-signer' role", feedByIssuance.Status.Detail);
        Assert.Equal(StatusCode.PermissionDenied, licenseByRevocation.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, countersignByIssuance.StatusCode);
    }

    [Fact]
    public async Task nobody_may_sign_with_the_checkpoint_key()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.SignAsync(new SignRequest
        {
            Purpose = KeyPurpose.Checkpoint, Payload = ByteString.CopyFromUtf8("ledger/signature-log\n0\n"), Typ = "license+jwt",
            ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
        }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task a_sign_call_without_expires_at_is_refused()
    {
        var request = SignRequests.License();
        request.ExpiresAt = null;

        await AssertRuleAsync(() => notary.Licenses.SignAsync(request).ResponseAsync, "expires_at", "expiry-required");
    }

    [Fact]
    public async Task an_expiry_past_the_cap_is_refused()
    {
        var request = SignRequests.License();
        request.ExpiresAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero));

        await AssertRuleAsync(() => notary.Licenses.SignAsync(request).ResponseAsync, "expires_at", "expiry-cap");
    }

    [Fact]
    public async Task an_expires_at_before_the_payloads_own_expiry_is_refused()
    {
        var request = SignRequests.License();
        request.ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1));

        await AssertRuleAsync(() => notary.Licenses.SignAsync(request).ResponseAsync, "payload", "expiry-covers");
    }

    [Fact]
    public async Task a_wrong_typ_for_the_purpose_is_refused()
    {
        var request = SignRequests.License();
        request.Typ = "revocation-feed+jwt";

        await AssertRuleAsync(() => notary.Licenses.SignAsync(request).ResponseAsync, "typ", "typ-by-purpose");
    }

    [Fact]
    public async Task a_feed_payload_presented_as_a_license_is_refused()
    {
        var feed = SignRequests.Feed();
        var request = SignRequests.License();
        request.Payload = feed.Payload;

        await AssertRuleAsync(() => notary.Licenses.SignAsync(request).ResponseAsync, "payload", "license-claims");
    }

    [Fact]
    public async Task a_license_of_another_issuer_is_refused()
    {
        await AssertRuleAsync(() => notary.Licenses.SignAsync(SignRequests.License(SignRequests.LicenseClaims(issuer: "mallory"))).ResponseAsync,
            "payload.iss", "license-issuer");
    }

    [Fact]
    public async Task a_license_expiring_past_the_cap_is_refused()
    {
        var request = SignRequests.License(SignRequests.LicenseClaims(lifetime: TimeSpan.FromDays(4017)));
        request.ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(4000));

        await AssertRuleAsync(() => notary.Licenses.SignAsync(request).ResponseAsync, "payload.exp", "license-expiry-cap");
    }

    [Fact]
    public async Task a_license_id_that_is_not_a_uuidv7_is_refused()
    {
        var request = SignRequests.License(SignRequests.LicenseClaims(licenseId: Guid.NewGuid()));

        await AssertRuleAsync(() => notary.Licenses.SignAsync(request).ResponseAsync, "payload", "license");
    }

    [Fact]
    public async Task a_feed_living_past_the_maximum_is_refused()
    {
        var payload = SignRequests.FeedPayload(lifetime: TimeSpan.FromDays(30));

        await AssertRuleAsync(() => notary.Feeds.SignAsync(SignRequests.Feed(payload)).ResponseAsync, "expires_at", "expiry-cap");
    }

    [Fact]
    public async Task a_feed_that_does_not_parse_under_the_feed_rules_is_refused()
    {
        var request = SignRequests.Feed();
        request.Payload = ByteString.CopyFrom(SignRequests.LicenseClaims().ToJson());

        await AssertRuleAsync(() => notary.Feeds.SignAsync(request).ResponseAsync, "payload", "feed-format");
    }

    [Fact]
    public async Task an_attestation_payload_that_is_a_license_is_refused()
    {
        var request = SignRequests.Attestation(SignRequests.LicenseClaims().ToJson());

        await AssertRuleAsync(() => notary.Attestations.SignAsync(request).ResponseAsync, "payload", "attestation-statement");
    }

    [Fact]
    public async Task unspecified_purpose_is_invalid_argument_naming_the_field()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Licenses.SignAsync(new SignRequest { Payload = ByteString.CopyFromUtf8("{}") }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var badRequest = error.GetRpcStatus()!.GetDetail<BadRequest>();
        Assert.Equal("purpose", Assert.Single(badRequest.FieldViolations).Field);
    }

    [Fact]
    public async Task empty_payload_is_invalid_argument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Licenses.SignAsync(new SignRequest { Purpose = KeyPurpose.License }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("payload", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
    }

    [Fact]
    public async Task one_refusal_names_every_invalid_field_of_a_sign_request_and_signs_nothing()
    {
        var before = await LogSizeAsync();
        var badTime = new Timestamp { Seconds = 1, Nanos = -1 };

        var sign = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Licenses.SignAsync(new SignRequest { Typ = "license jwt", ExpiresAt = badTime }).ResponseAsync);
        var batch = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.SignBatchAsync(new SignBatchRequest
        {
            Purpose = KeyPurpose.License, Payloads = { ByteString.CopyFromUtf8("{}"), ByteString.Empty }, Typ = "license jwt",
        }).ResponseAsync);
        var countersign = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Attestations.CountersignAsync(new CountersignRequest { Purpose = KeyPurpose.Feed, ExpiresAt = badTime }).ResponseAsync);

        Assert.Equal(["purpose", "payload", "typ", "expires_at"], Fields(sign));
        Assert.Equal(["payloads[1]", "typ"], Fields(batch));
        Assert.Equal(["purpose", "payload", "expires_at"], Fields(countersign));
        Assert.Equal(before, await LogSizeAsync());

        static string[] Fields(RpcException error)
        {
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            return error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).ToArray();
        }
    }

    [Fact]
    public async Task payload_over_64_kib_is_resource_exhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.SignAsync(new SignRequest
        {
            Purpose = KeyPurpose.License, Payload = ByteString.CopyFrom(new byte[64 * 1024 + 1]),
        }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("65536", error.Status.Detail);
    }

    [Fact]
    public async Task batch_over_the_limit_is_resource_exhausted()
    {
        var request = new SignBatchRequest { Purpose = KeyPurpose.License };
        request.Payloads.AddRange(Enumerable.Range(0, 1001).Select(_ => ByteString.CopyFromUtf8("{}")));

        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.SignBatchAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task encryption_keys_never_sign()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.SignAsync(new SignRequest
        {
            Purpose = KeyPurpose.Encryption, Payload = ByteString.CopyFromUtf8("{}"),
        }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("never sign", error.Status.Detail);
        Assert.Equal(("PURPOSE_CANNOT_SIGN", "ledger"), (error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason, error.GetRpcStatus()!.GetDetail<ErrorInfo>().Domain));
    }

    [Theory]
    [InlineData(KeyPurpose.Feed)]
    [InlineData(KeyPurpose.License)]
    public async Task countersign_is_for_attestations_only_so_no_feed_or_license_skips_signs_checks(KeyPurpose purpose)
    {
        // A countersignature is a whole JWS over the caller's payload: a feed countersigned at any
        // version would be a feed that never met the revocation log's version check.
        var (client, payload) = purpose == KeyPurpose.Feed
            ? (notary.Feeds, SignRequests.FeedPayload(version: 1_000_000).ToJson())
            : (notary.Licenses, SignRequests.LicenseClaims().ToJson());
        var request = SignRequests.Countersign(payload);
        request.Purpose = purpose;
        request.Typ = purpose == KeyPurpose.Feed ? RevocationFeedPayload.TokenType : Verification.LicenseClaims.TokenType;
        var before = await LogSizeAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CountersignAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("purpose", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
        Assert.Equal(before, await LogSizeAsync());
    }

    [Theory]
    [InlineData(253_402_300_800L, 0)]
    [InlineData(-62_135_596_801L, 0)]
    [InlineData(1_800_000_000L, -1)]
    [InlineData(1_800_000_000L, 1_000_000_000)]
    public async Task an_expires_at_no_timestamp_can_hold_is_invalid_argument_on_every_signing_rpc(long seconds, int nanos)
    {
        var invalid = new Timestamp { Seconds = seconds, Nanos = nanos };
        var sign = SignRequests.License();
        sign.ExpiresAt = invalid;
        var batch = new SignBatchRequest { Purpose = KeyPurpose.License, Typ = sign.Typ, ExpiresAt = invalid, Payloads = { sign.Payload } };
        var countersign = SignRequests.Countersign();
        countersign.ExpiresAt = invalid;

        foreach (var call in new Func<Task>[]
        {
            () => notary.Licenses.SignAsync(sign).ResponseAsync,
            () => notary.Licenses.SignBatchAsync(batch).ResponseAsync,
            () => notary.Attestations.CountersignAsync(countersign).ResponseAsync,
        })
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
            Assert.Equal("expires_at", violation.Field);
            Assert.Contains("not a valid timestamp", violation.Description);
        }
    }

    [Fact]
    public async Task malformed_typ_is_invalid_argument()
    {
        var request = SignRequests.License();
        request.Typ = "a\"b";

        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Licenses.SignAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    /// <summary>InvalidArgument whose BadRequest names the field and the rule, and no signature was logged.</summary>
    private async Task AssertRuleAsync(Func<Task> call, string field, string rule)
    {
        var before = await LogSizeAsync();
        var error = await Assert.ThrowsAsync<RpcException>(call);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Contains(violations, v => v.Field == field && v.Description.Contains($"rule {rule}", StringComparison.Ordinal));
        Assert.Equal(before, await LogSizeAsync());
    }

    private async Task<long> LogSizeAsync()
    {
        long size = 0;
        var request = new ListSignaturesRequest { PageSize = 1000 };
        while (true)
        {
            var page = await notary.Log.ListSignaturesAsync(request);
            size += page.Entries.Count;
            if (page.NextStartIndex < 0)
            {
                return size;
            }

            request.StartIndex = page.NextStartIndex;
        }
    }
}
