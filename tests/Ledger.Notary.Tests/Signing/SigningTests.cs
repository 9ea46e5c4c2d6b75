using System.Text;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;

namespace Ledger.Notary.Tests.Signing;

public sealed class SigningTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task token_signed_by_notary_verifies_with_the_jwks_it_serves()
    {
        var payload = """{"jti":"0192f0c1-0000-7000-8000-000000000001","caps":["sso"]}"""u8.ToArray();
        var signed = await notary.Signing.SignAsync(new SignRequest
        {
            Purpose = KeyPurpose.License, Payload = ByteString.CopyFrom(payload), Typ = "license+jwt",
            ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)),
        });

        var verification = Jws.Verify(signed.Jws, await notary.FetchJwksAsync());

        Assert.True(verification.IsValid, verification.Failure.ToString());
        Assert.Equal(signed.Kid, verification.Kid);
        Assert.Equal(payload, verification.Payload);
        Assert.Equal("license+jwt", verification.Header!.Value.GetProperty("typ").GetString());
    }

    [Fact]
    public async Task batch_signs_every_payload_in_order_with_one_key()
    {
        var request = new SignBatchRequest { Purpose = KeyPurpose.Feed };
        for (var i = 0; i < 25; i++)
        {
            request.Payloads.Add(ByteString.CopyFromUtf8($"{{\"n\":{i}}}"));
        }

        var signed = await notary.Signing.SignBatchAsync(request);
        var jwks = await notary.FetchJwksAsync();

        Assert.Equal(25, signed.Jws.Count);
        for (var i = 0; i < 25; i++)
        {
            var verification = Jws.Verify(signed.Jws[i], jwks);
            Assert.True(verification.IsValid);
            Assert.Equal(signed.Kid, verification.Kid);
            Assert.Equal($"{{\"n\":{i}}}", Encoding.UTF8.GetString(verification.Payload!));
        }
    }

    [Fact]
    public async Task countersignature_verifies_over_the_same_payload()
    {
        var payload = """{"subject":"registry.example/app@sha256:00"}"""u8.ToArray();
        var countersigned = await notary.Signing.CountersignAsync(new CountersignRequest
        {
            Purpose = KeyPurpose.Attestation, Payload = ByteString.CopyFrom(payload),
        });

        var compact = $"{countersigned.Protected}.{Base64Url.Encode(payload)}.{countersigned.Signature}";
        var verification = Jws.Verify(compact, await notary.FetchJwksAsync());

        Assert.True(verification.IsValid);
        Assert.Equal(countersigned.Kid, verification.Kid);
    }

    [Fact]
    public async Task each_purpose_signs_with_its_own_key()
    {
        var license = await notary.Signing.SignAsync(new SignRequest { Purpose = KeyPurpose.License, Payload = ByteString.CopyFromUtf8("{}") });
        var feed = await notary.Signing.SignAsync(new SignRequest { Purpose = KeyPurpose.Feed, Payload = ByteString.CopyFromUtf8("{}") });

        Assert.NotEqual(license.Kid, feed.Kid);
    }

    [Fact]
    public async Task unspecified_purpose_is_invalid_argument_naming_the_field()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Signing.SignAsync(new SignRequest { Payload = ByteString.CopyFromUtf8("{}") }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var badRequest = error.GetRpcStatus()!.GetDetail<BadRequest>();
        Assert.Equal("purpose", Assert.Single(badRequest.FieldViolations).Field);
    }

    [Fact]
    public async Task empty_payload_is_invalid_argument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            notary.Signing.SignAsync(new SignRequest { Purpose = KeyPurpose.License }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("payload", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
    }

    [Fact]
    public async Task payload_over_64_kib_is_resource_exhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Signing.SignAsync(new SignRequest
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

        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Signing.SignBatchAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task encryption_keys_never_sign()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Signing.SignAsync(new SignRequest
        {
            Purpose = KeyPurpose.Encryption, Payload = ByteString.CopyFromUtf8("{}"),
        }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("never sign", error.Status.Detail);
    }

    [Fact]
    public async Task malformed_typ_is_invalid_argument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => notary.Signing.SignAsync(new SignRequest
        {
            Purpose = KeyPurpose.License, Payload = ByteString.CopyFromUtf8("{}"), Typ = "a\"b",
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}
