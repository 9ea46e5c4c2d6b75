using System.Text;
using Google.Rpc;
using Grpc.Core;
using Ledger.Contracts.Attestation.V1;
using Ledger.Crypto;

namespace Ledger.Attestation.Tests.Features;

/// <summary>Every refused request is InvalidArgument naming the field, and the ledger records nothing.</summary>
public sealed class BadInputTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    private static readonly string Good = $"ghcr.io/acme/app:1.0.0@{Vendor.Digest("good")}";

    public static TheoryData<string, string> InvalidArtifacts => new()
    {
        { "tag without digest", "artifacts[0]" },
        { "name without digest", "artifacts[0]" },
        { "digest one character short", "artifacts[0]" },
        { "uppercase hex digest", "artifacts[0]" },
        { "sha512 digest", "artifacts[0]" },
        { "uppercase repository", "artifacts[0]" },
        { "malformed tag", "artifacts[0]" },
        { "empty reference", "artifacts[0]" },
        { "empty subject list", "artifacts" },
        { "duplicate subject", "artifacts[1]" },
        { "one tag with two digests", "artifacts[1]" },
        { "too many subjects", "artifacts" },
        { "oversized statement", "artifacts" },
        { "expiry in the past", "expires_at" },
        { "expiry beyond ten years", "expires_at" },
        { "missing idempotency key", "idempotency_key" },
    };

    [Theory]
    [MemberData(nameof(InvalidArtifacts))]
    public async Task invalid_artifacts_are_refused_naming_the_field_and_record_nothing(string @case, string field)
    {
        var request = new AttestArtifactsRequest { IdempotencyKey = LedgerWithAttestation.NewKey() };
        var digest = Vendor.Digest(@case);
        switch (@case)
        {
            case "tag without digest": request.Artifacts.Add("ghcr.io/acme/app:1.0.0"); break;
            case "name without digest": request.Artifacts.Add("ghcr.io/acme/app"); break;
            case "digest one character short": request.Artifacts.Add($"ghcr.io/acme/app@{digest[..^1]}"); break;
            case "uppercase hex digest": request.Artifacts.Add($"ghcr.io/acme/app@{digest.ToUpperInvariant().Replace("SHA256", "sha256", StringComparison.Ordinal)}"); break;
            case "sha512 digest": request.Artifacts.Add($"ghcr.io/acme/app@sha512:{new string('a', 128)}"); break;
            case "uppercase repository": request.Artifacts.Add($"ghcr.io/Acme/App@{digest}"); break;
            case "malformed tag": request.Artifacts.Add($"ghcr.io/acme/app:-bad@{digest}"); break;
            case "empty reference": request.Artifacts.Add(""); break;
            case "empty subject list": break;
            case "duplicate subject": request.Artifacts.Add(Good); request.Artifacts.Add(Good); break;
            case "one tag with two digests": request.Artifacts.Add(Good); request.Artifacts.Add($"ghcr.io/acme/app:1.0.0@{digest}"); break;
            case "too many subjects": request.Artifacts.AddRange(Enumerable.Range(0, 257).Select(i => $"ghcr.io/acme/app-{i}@{digest}")); break;
            case "oversized statement":
                var longName = "registry.example.com/" + string.Join("/", Enumerable.Repeat(new string('a', 40), 5));
                request.Artifacts.AddRange(Enumerable.Range(0, 256).Select(i => $"{longName}/app-{i}:v{i}@{digest}"));
                break;
            case "expiry in the past": request.Artifacts.Add(Good); request.ExpiresAt = LedgerWithAttestation.At(DateTimeOffset.UtcNow.AddMinutes(-1)); break;
            case "expiry beyond ten years": request.Artifacts.Add(Good); request.ExpiresAt = LedgerWithAttestation.At(DateTimeOffset.UtcNow.AddYears(11)); break;
            case "missing idempotency key": request.Artifacts.Add(Good); request.IdempotencyKey = ""; break;
        }

        await AssertRefusedAsync(field, () => ledger.Attestations.AttestArtifactsAsync(request).ResponseAsync);
    }

    public static TheoryData<string, string> InvalidManifests => new()
    {
        { "not an h1 digest", "digest" },
        { "h1 digest of 31 bytes", "digest" },
        { "sha256 digest instead of h1", "digest" },
        { "empty name", "name" },
        { "ignore suffix with a slash", "ignore[0]" },
        { "ignore suffix twice", "ignore[1]" },
        { "empty ignore suffix", "ignore[0]" },
    };

    [Theory]
    [MemberData(nameof(InvalidManifests))]
    public async Task invalid_manifests_are_refused_naming_the_field_and_record_nothing(string @case, string field)
    {
        var request = new AttestManifestRequest
        {
            IdempotencyKey = LedgerWithAttestation.NewKey(),
            Name = "acme/manifests",
            Digest = "h1:" + Convert.ToBase64String(new byte[32]),
        };
        switch (@case)
        {
            case "not an h1 digest": request.Digest = "h1:not-base64"; break;
            case "h1 digest of 31 bytes": request.Digest = "h1:" + Convert.ToBase64String(new byte[31]); break;
            case "sha256 digest instead of h1": request.Digest = Vendor.Digest("dir"); break;
            case "empty name": request.Name = " "; break;
            case "ignore suffix with a slash": request.Ignore.Add("docs/.md"); break;
            case "ignore suffix twice": request.Ignore.Add(".sig"); request.Ignore.Add(".sig"); break;
            case "empty ignore suffix": request.Ignore.Add(""); break;
        }

        await AssertRefusedAsync(field, () => ledger.Attestations.AttestManifestAsync(request).ResponseAsync);
    }

    public static TheoryData<string, string> InvalidStatements => new()
    {
        { "not a compact JWS", "statement" },
        { "empty statement", "statement" },
        { "oversized statement", "statement" },
        { "payload is not JSON", "statement" },
        { "payload is not UTF-8", "statement" },
        { "no vendor named", "statement.vendor" },
        { "another issuer", "statement.iss" },
        { "jti not a UUIDv7", "statement.jti" },
        { "tag without digest", "statement.subjects[0]" },
        { "empty subject list", "statement.subjects" },
        { "duplicate subject", "statement.subjects[1]" },
        { "unknown member", "statement.extra" },
        { "unknown kind", "statement.kind" },
        { "iat in the future", "statement.iat" },
        { "fractional iat", "statement.iat" },
        { "expired", "statement.exp" },
        { "manifest with a bad digest", "statement.manifest.digest" },
        { "wrong typ", "statement" },
    };

    [Theory]
    [MemberData(nameof(InvalidStatements))]
    public async Task invalid_vendor_statements_are_refused_naming_the_field_and_record_nothing(string @case, string field)
    {
        using var vendor = await ledger.RegisterVendorAsync($"vendor-{Guid.NewGuid():N}"[..20]);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Statement(string members) =>
            vendor.Sign($$"""{"jti":"{{UuidV7.NewId()}}","iss":"ledger","vendor":"{{vendor.Id}}","iat":{{now}}{{members}}}""");
        string Subjects(params string[] subjects) =>
            Statement($$""","kind":"artifacts","subjects":[{{string.Join(",", subjects.Select(s => $"\"{s}\""))}}]""");
        var statement = @case switch
        {
            "not a compact JWS" => "header.payload",
            "empty statement" => "",
            "oversized statement" => vendor.Sign(new string(' ', 100 * 1024) + "{}"),
            "payload is not JSON" => vendor.Sign("not json"),
            "payload is not UTF-8" => vendor.Sign([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
            "no vendor named" => vendor.Sign($$"""{"jti":"{{UuidV7.NewId()}}","iss":"ledger","iat":{{now}},"kind":"artifacts","subjects":["{{Good}}"]}"""),
            "another issuer" => vendor.Sign($$"""{"jti":"{{UuidV7.NewId()}}","iss":"someone-else","vendor":"{{vendor.Id}}","iat":{{now}},"kind":"artifacts","subjects":["{{Good}}"]}"""),
            "jti not a UUIDv7" => vendor.Sign($$"""{"jti":"{{Guid.NewGuid()}}","iss":"ledger","vendor":"{{vendor.Id}}","iat":{{now}},"kind":"artifacts","subjects":["{{Good}}"]}"""),
            "tag without digest" => Subjects("ghcr.io/acme/app:1.0.0"),
            "empty subject list" => Subjects(),
            "duplicate subject" => Subjects(Good, Good),
            "unknown member" => Statement($$""","kind":"artifacts","subjects":["{{Good}}"],"extra":true"""),
            "unknown kind" => Statement($$""","kind":"sbom","subjects":["{{Good}}"]"""),
            "iat in the future" => vendor.Sign($$"""{"jti":"{{UuidV7.NewId()}}","iss":"ledger","vendor":"{{vendor.Id}}","iat":{{now + 3600}},"kind":"artifacts","subjects":["{{Good}}"]}"""),
            "fractional iat" => vendor.Sign($$"""{"jti":"{{UuidV7.NewId()}}","iss":"ledger","vendor":"{{vendor.Id}}","iat":{{now}}.5,"kind":"artifacts","subjects":["{{Good}}"]}"""),
            "expired" => Statement($$""","exp":{{now - 60}},"kind":"artifacts","subjects":["{{Good}}"]"""),
            "manifest with a bad digest" => Statement(""","kind":"manifest","manifest":{"name":"m","digest":"h1:nope","ignore":[]}"""),
            "wrong typ" => Jws.Sign(vendor.ArtifactsStatement(Good), vendor.Key, vendor.Kid, "JWT"),
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };

        await AssertRefusedAsync(field, () => ledger.CountersignAsync(statement));
    }

    public static TheoryData<string, string> InvalidVendorKeys => new()
    {
        { "private key", "public_jwk" },
        { "P-256 key", "public_jwk" },
        { "kid other than the thumbprint", "public_jwk" },
        { "not JSON", "public_jwk" },
        { "uppercase vendor id", "vendor_id" },
    };

    [Theory]
    [MemberData(nameof(InvalidVendorKeys))]
    public async Task invalid_vendor_keys_are_refused_naming_the_field_and_record_nothing(string @case, string field)
    {
        using var vendor = new Vendor("acme-keys");
        var request = new RegisterVendorKeyRequest { IdempotencyKey = LedgerWithAttestation.NewKey(), VendorId = vendor.Id, PublicJwk = vendor.PublicJwk };
        switch (@case)
        {
            case "private key": request.PublicJwk = vendor.Key.ToJwk(vendor.Kid, includePrivate: true).ToJson(includePrivate: true); break;
            case "P-256 key": request.PublicJwk = Jwe.GenerateP256("enc-1").ToPublic().ToJson(); break;
            case "kid other than the thumbprint": request.PublicJwk = vendor.PublicKey.With(kid: "my-key").ToJson(); break;
            case "not JSON": request.PublicJwk = "{"; break;
            case "uppercase vendor id": request.VendorId = "ACME"; break;
        }

        var error = await AssertRefusedAsync(field, () => ledger.VendorKeys.RegisterVendorKeyAsync(request).ResponseAsync);
        if (@case == "private key")
        {
            Assert.DoesNotContain(vendor.Key.ToJwk(vendor.Kid, includePrivate: true).D!, error.Status.Detail);
        }
    }

    public static TheoryData<string, string> InvalidVerifications => new()
    {
        { "nothing to compare", "artifacts" },
        { "artifacts and a manifest digest", "manifest_digest" },
        { "malformed artifact", "artifacts[0]" },
        { "malformed manifest digest", "manifest_digest" },
        { "no attestation", "attestation" },
    };

    [Theory]
    [MemberData(nameof(InvalidVerifications))]
    public async Task invalid_verify_requests_are_refused_naming_the_field(string @case, string field)
    {
        var request = new VerifyRequest { Attestation = "a.b.c" };
        switch (@case)
        {
            case "nothing to compare": break;
            case "artifacts and a manifest digest": request.Artifacts.Add(Good); request.ManifestDigest = "h1:" + Convert.ToBase64String(new byte[32]); break;
            case "malformed artifact": request.Artifacts.Add("ghcr.io/acme/app:latest"); break;
            case "malformed manifest digest": request.ManifestDigest = "h1:xyz"; break;
            case "no attestation": request.Attestation = ""; request.Artifacts.Add(Good); break;
        }

        await AssertRefusedAsync(field, () => ledger.Attestations.VerifyAsync(request).ResponseAsync);
    }

    [Fact]
    public async Task a_tag_without_digest_says_why_and_what_to_send()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.AttestArtifactsAsync("ghcr.io/acme/app:1.0.0"));

        Assert.Contains("has a tag but no digest", error.Status.Detail);
        Assert.Contains("@sha256:", error.Status.Detail);
    }

    [Fact]
    public async Task every_bad_field_of_a_request_is_reported_at_once()
    {
        var request = new AttestArtifactsRequest { IdempotencyKey = "", Artifacts = { "ghcr.io/acme/app:1", Good, Good } };

        var error = await Assert.ThrowsAsync<RpcException>(() => ledger.Attestations.AttestArtifactsAsync(request).ResponseAsync);

        Assert.Equal(["idempotency_key", "artifacts[0]", "artifacts[2]"],
            error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
    }

    private async Task<RpcException> AssertRefusedAsync<T>(string field, Func<Task<T>> call)
    {
        var before = await ledger.EventCountAsync();
        var error = await Assert.ThrowsAsync<RpcException>(call);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Contains(violations, v => v.Field == field);
        Assert.Equal(before, await ledger.EventCountAsync());
        return error;
    }
}
