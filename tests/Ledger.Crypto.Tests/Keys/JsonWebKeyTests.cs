using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ledger.Crypto.Tests.Keys;

public sealed class JsonWebKeyTests
{
    private static readonly JsonElement Rfc8037 = TestVectors.Load("rfc/rfc8037_vectors.json");

    // A fixed P-256 key (RFC 7520 §5.5 recipient), used where a test needs a known EC key.
    private const string P256X = "Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0";
    private const string P256Y = "HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw";
    private const string P256D = "r_kHyZ-a06rmxM3yESK84r1otSg-aQcVStkRhA-iCM8";

    [Fact]
    public void rfc8037_a1_private_key_parses_and_serializes_member_for_member()
    {
        var source = Rfc8037.GetProperty("A.1_ed25519_private_key");
        var jwk = JsonWebKey.Parse(source.GetProperty("jwk").GetRawText());

        Assert.Equal("OKP", jwk.Kty);
        Assert.Equal("Ed25519", jwk.Crv);
        Assert.Equal(TestVectors.Hex(source, "private_key_hex"), Base64Url.Decode(jwk.D!));
        Assert.Equal(TestVectors.Hex(source, "public_key_hex"), Base64Url.Decode(jwk.X));

        using var written = JsonDocument.Parse(jwk.ToJson(includePrivate: true));
        var members = written.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        var expected = source.GetProperty("jwk").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(expected.OrderBy(p => p.Key), members.OrderBy(p => p.Key));
    }

    [Fact]
    public void rfc8037_a2_public_key_serializes_byte_for_byte()
    {
        var source = Rfc8037.GetProperty("A.2_ed25519_public_key").GetProperty("jwk");
        var jwk = JsonWebKey.Parse(source.GetRawText());

        Assert.Equal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", jwk.ToJson());
    }

    [Fact]
    public void rfc8037_a1_public_key_is_derived_from_the_seed()
    {
        var source = Rfc8037.GetProperty("A.1_ed25519_private_key");
        using var key = Ed25519SigningKey.FromSeed(TestVectors.Hex(source, "private_key_hex"));

        Assert.Equal(TestVectors.Hex(source, "public_key_hex"), key.PublicKey);
        Assert.Equal(TestVectors.Text(source.GetProperty("jwk"), "x"), key.ToJwk("rfc8037", includePrivate: false).X);
    }

    [Fact]
    public void rfc8037_a3_thumbprint_matches()
    {
        var source = Rfc8037.GetProperty("A.3_jwk_thumbprint");
        var jwk = JsonWebKey.Parse(Rfc8037.GetProperty("A.2_ed25519_public_key").GetProperty("jwk").GetRawText());

        Assert.Equal(TestVectors.Text(source, "canonical_json"), jwk.ThumbprintInput());
        Assert.Equal(TestVectors.Text(source, "thumbprint_b64url"), jwk.Thumbprint());
    }

    [Fact]
    public void thumbprint_ignores_private_and_metadata_members()
    {
        var full = JsonWebKey.Parse(Rfc8037.GetProperty("A.1_ed25519_private_key").GetProperty("jwk").GetRawText()).With(kid: "k1", status: "active");

        Assert.Equal("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", full.Thumbprint());
        Assert.Equal(full.Thumbprint(), full.ToPublic().Thumbprint());
    }

    [Fact]
    public void ec_p256_thumbprint_is_sha256_of_crv_kty_x_y_in_order()
    {
        var jwk = JsonWebKey.Parse($$"""{"kty":"EC","crv":"P-256","kid":"enc-1","use":"enc","x":"{{P256X}}","y":"{{P256Y}}"}""");
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{P256X}}","y":"{{P256Y}}"}""";

        Assert.Equal(canonical, jwk.ThumbprintInput());
        Assert.Equal(Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), jwk.Thumbprint());
        // Computed independently with: printf '%s' '<canonical above>' | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='
        Assert.Equal("HsSFalww3yP-dO-lWGYgFcyV5H22oScIFc4V2Y6GOto", jwk.Thumbprint());
    }

    [Fact]
    public void p256_private_key_round_trips_and_drops_d_when_public()
    {
        var jwk = JsonWebKey.Parse($$"""{"kty":"EC","crv":"P-256","x":"{{P256X}}","y":"{{P256Y}}","d":"{{P256D}}"}""");

        Assert.True(jwk.HasPrivateKey);
        Assert.DoesNotContain("\"d\"", jwk.ToJson(), StringComparison.Ordinal);
        Assert.Contains($"\"d\":\"{P256D}\"", jwk.ToJson(includePrivate: true), StringComparison.Ordinal);
        Assert.Null(jwk.ToPublic().D);
        Assert.Equal(jwk.ToJson(includePrivate: true), JsonWebKey.Parse(jwk.ToJson(includePrivate: true)).ToJson(includePrivate: true));
    }

    [Fact]
    public void serialization_order_is_stable_with_ledger_members()
    {
        var jwk = JsonWebKey.Parse(Rfc8037.GetProperty("A.2_ed25519_public_key").GetProperty("jwk").GetRawText())
            .With(kid: "license-1", status: "retiring", notAfter: DateTimeOffset.FromUnixTimeSeconds(1_900_000_000));

        Assert.Equal(
            "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"license-1\",\"status\":\"retiring\",\"not_after\":1900000000}",
            jwk.ToJson());
        Assert.Equal(jwk.ToJson(), JsonWebKey.Parse(jwk.ToJson()).ToJson());
    }

    [Fact]
    public void from_p256_builds_an_encryption_key_from_parameters()
    {
        using var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var jwk = JsonWebKey.FromP256(ecdh.ExportParameters(true), "enc-2");

        Assert.Equal(("EC", "P-256", "enc", "enc-2"), (jwk.Kty, jwk.Crv, jwk.Use, jwk.Kid));
        Assert.True(jwk.HasPrivateKey);
        Assert.Equal(jwk.ToJson(true), JsonWebKey.Parse(jwk.ToJson(true)).ToJson(true));
    }

    [Fact]
    public void from_p256_refuses_another_curve()
    {
        using var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<JoseException>(() => JsonWebKey.FromP256(ecdh.ExportParameters(false), "k"));
    }

    [Fact]
    public void off_curve_p256_point_is_rejected()
    {
        // y changed in its last character: the point is no longer on P-256 (Wycheproof json_web_key_test tcId 22).
        var error = Assert.Throws<JoseException>(() => JsonWebKey.Parse(
            """{"kty":"EC","crv":"P-256","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgnw"}"""));
        Assert.Contains("not on the P-256 curve", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void p256_coordinate_of_p_or_more_is_rejected()
    {
        var p = Base64Url.Encode(Convert.FromHexString("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"));
        Assert.Throws<JoseException>(() => JsonWebKey.Parse($$"""{"kty":"EC","crv":"P-256","x":"{{p}}","y":"{{P256Y}}"}"""));
    }

    [Fact]
    public void p256_private_key_that_does_not_match_its_point_is_rejected()
    {
        using var other = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var d = Base64Url.Encode(other.ExportParameters(true).D);
        var error = Assert.Throws<JoseException>(() => JsonWebKey.Parse($$"""{"kty":"EC","crv":"P-256","x":"{{P256X}}","y":"{{P256Y}}","d":"{{d}}"}"""));
        Assert.Contains("does not belong", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ed25519_private_seed_that_does_not_match_x_is_rejected()
    {
        var d = Base64Url.Encode(new byte[32]);
        var error = Assert.Throws<JoseException>(() => JsonWebKey.Parse($$"""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"{{d}}"}"""));
        Assert.Contains("does not belong", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}""", "Symmetric")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","k":"AAAA"}""", "Symmetric")]
    [InlineData("""{"kty":"RSA","n":"AQAB","e":"AQAB"}""", "not supported")]
    [InlineData("""{"kty":"okp","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""", "not supported")]
    [InlineData("""{"kty":"OKP","crv":"X25519","x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"}""", "only Ed25519")]
    [InlineData("""{"kty":"OKP","crv":"Ed448","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""", "only Ed25519")]
    [InlineData("""{"kty":"EC","crv":"P-384","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw"}""", "only P-256")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"HS256"}""", "EdDSA")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"ES256"}""", "EdDSA")]
    [InlineData("""{"kty":"EC","crv":"P-256","alg":"EdDSA","x":"Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0","y":"HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw"}""", "ECDH-ES+A128KW")]
    [InlineData("""{"kty":"EC","crv":"P-256","alg":"ES256","x":"Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0","y":"HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw"}""", "ECDH-ES+A128KW")]
    [InlineData("""{"kty":"EC","crv":"P-256","use":"sig","x":"Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0","y":"HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw"}""", "use 'sig'")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""", "use 'enc'")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR"}""", "base64url")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURoA"}""", "exactly 32")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="}""", "base64url")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","y":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""", "'y'")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0"}""", "without 'y'")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0AAAA","y":"HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw"}""", "exactly 32")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"../../etc/passwd"}""", "kid")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"x'; DROP TABLE keys;--"}""", "kid")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":""}""", "kid")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","status":"revoked"}""", "status")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kty":"OKP"}""", "repeats")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519"}""", "'x'")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":32}""", "must be a string")]
    [InlineData("""["kty","OKP"]""", "JSON object")]
    [InlineData("""{"kty":"OKP",""", "not valid JSON")]
    public void unacceptable_jwk_is_rejected_with_reason(string json, string reason)
    {
        var error = Assert.Throws<JoseException>(() => JsonWebKey.Parse(json));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void kid_of_129_characters_is_rejected_and_128_accepted()
    {
        var x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        Assert.NotNull(JsonWebKey.Parse($$"""{"kty":"OKP","crv":"Ed25519","x":"{{x}}","kid":"{{new string('a', 128)}}"}"""));
        Assert.Throws<JoseException>(() => JsonWebKey.Parse($$"""{"kty":"OKP","crv":"Ed25519","x":"{{x}}","kid":"{{new string('a', 129)}}"}"""));
    }

    [Theory]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000", "small order")]
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "small order")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "small order")]
    [InlineData("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "small order")]
    [InlineData("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "small order")]
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "not canonically encoded")]
    [InlineData("0200000000000000000000000000000000000000000000000000000000000000", "not a point")]
    public void weak_or_invalid_ed25519_public_key_is_rejected(string hex, string reason)
    {
        var x = Base64Url.Encode(Convert.FromHexString(hex));
        var error = Assert.Throws<JoseException>(() => JsonWebKey.Parse($$"""{"kty":"OKP","crv":"Ed25519","x":"{{x}}"}"""));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void error_messages_never_contain_private_key_material()
    {
        var d = TestVectors.Text(Rfc8037.GetProperty("A.1_ed25519_private_key").GetProperty("jwk"), "d");
        var errors = new List<string>();
        foreach (var json in new[]
        {
            $$"""{"kty":"OKP","crv":"Ed25519","x":"{{Base64Url.Encode(new byte[32])}}","d":"{{d}}"}""",
            $$"""{"kty":"OKP","crv":"Ed25519","x":"Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0","d":"{{d}}"}""",
            $$"""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"{{d}}A"}""",
        })
        {
            errors.Add(Assert.Throws<JoseException>(() => JsonWebKey.Parse(json)).Message);
        }

        Assert.All(errors, message => Assert.DoesNotContain(d, message, StringComparison.Ordinal));
        var key = JsonWebKey.Parse(Rfc8037.GetProperty("A.1_ed25519_private_key").GetProperty("jwk").GetRawText());
        Assert.DoesNotContain(d, key.ToString(), StringComparison.Ordinal);
    }
}
