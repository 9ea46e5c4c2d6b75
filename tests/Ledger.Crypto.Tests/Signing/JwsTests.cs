using System.Text;
using System.Text.Json;

namespace Ledger.Crypto.Tests.Signing;

public sealed class JwsTests
{
    private static readonly JsonElement Rfc8037 = TestVectors.Load("rfc/rfc8037_vectors.json");

    [Fact]
    public void rfc8037_a4_signature_matches_byte_for_byte()
    {
        var vector = Rfc8037.GetProperty("A.4_ed25519_signing");
        using var key = Ed25519SigningKey.FromSeed(TestVectors.Hex(Rfc8037.GetProperty("A.1_ed25519_private_key"), "private_key_hex"));

        // The RFC's header is {"alg":"EdDSA"} alone, so this goes through the internal entry without a kid.
        var compact = Jws.SignWithHeader(Encoding.UTF8.GetBytes(TestVectors.Text(vector, "payload_text")), key, []);

        Assert.Equal(TestVectors.Text(vector, "jws_compact"), compact);
        Assert.Equal(TestVectors.Hex(vector, "signature_hex"), Base64Url.Decode(compact.Split('.')[2]));
    }

    [Fact]
    public void rfc8037_a5_signature_validates_and_our_verifier_still_requires_a_kid()
    {
        var vector = Rfc8037.GetProperty("A.5_ed25519_validation");
        var compact = TestVectors.Text(vector, "jws_compact");
        var publicKey = Base64Url.Decode(TestVectors.Text(Rfc8037.GetProperty("A.2_ed25519_public_key").GetProperty("jwk"), "x"));
        var parts = compact.Split('.');

        Assert.True(Ed25519Signature.Verify(publicKey, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.Decode(parts[2])));
        Assert.Equal(TestVectors.Text(vector, "decoded_payload"), Encoding.UTF8.GetString(Base64Url.Decode(parts[1])));

        var trusted = new JsonWebKeySet([JsonWebKey.FromEd25519(publicKey, [], "rfc8037")]);
        var result = Jws.Verify(compact, trusted);
        Assert.Equal(JwsFailure.Malformed, result.Failure);
        Assert.Contains("kid", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(4, 3)]
    [InlineData(5, 4)]
    public void a_token_without_exactly_three_parts_is_malformed_and_says_how_many_it_has(int parts, int dotsAfterTheHeader)
    {
        using var key = Ed25519SigningKey.FromSeed(TestVectors.Hex(Rfc8037.GetProperty("A.1_ed25519_private_key"), "private_key_hex"));
        var trusted = new JsonWebKeySet([key.ToJwk("rfc8037", includePrivate: false)]);
        var header = Jws.Sign("{}"u8, key, "rfc8037").Split('.')[0];

        var result = Jws.Verify(header + string.Concat(Enumerable.Repeat(".e30", dotsAfterTheHeader)), trusted);

        Assert.Equal(JwsFailure.Malformed, result.Failure);
        Assert.Contains($"this token has {parts}.", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void rfc8037_key_with_kid_signs_a_token_that_verifies()
    {
        using var key = Ed25519SigningKey.FromSeed(TestVectors.Hex(Rfc8037.GetProperty("A.1_ed25519_private_key"), "private_key_hex"));
        var trusted = new JsonWebKeySet([key.ToJwk("rfc8037", includePrivate: false)]);

        var result = Jws.Verify(Jws.Sign("Example of Ed25519 signing"u8, key, "rfc8037"), trusted);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal("Example of Ed25519 signing", Encoding.UTF8.GetString(result.Payload!));
    }

    [Fact]
    public void signed_token_round_trips_with_header_payload_and_key()
    {
        using var key = Ed25519SigningKey.Generate();
        var trusted = new JsonWebKeySet([key.ToJwk("license-1", includePrivate: false)]);
        var payload = """{"jti":"0190a6d4-0000-7000-8000-000000000000","caps":["export"]}"""u8.ToArray();

        var compact = Jws.Sign(payload, key, "license-1", "license+jwt", new Dictionary<string, object> { ["cty"] = "json" });
        var result = Jws.Verify(compact, trusted);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(JwsFailure.None, result.Failure);
        Assert.Equal(payload, result.Payload);
        Assert.Equal("license-1", result.Kid);
        Assert.Same(trusted.Keys[0], result.Key);
        Assert.Equal("EdDSA", result.Header!.Value.GetProperty("alg").GetString());
        Assert.Null(result.Detail);
        Assert.Equal(
            """{"alg":"EdDSA","kid":"license-1","typ":"license+jwt","cty":"json"}""",
            Encoding.UTF8.GetString(Base64Url.Decode(compact.Split('.')[0])));
    }

    [Fact]
    public void empty_payload_round_trips()
    {
        using var key = Ed25519SigningKey.Generate();
        var trusted = new JsonWebKeySet([key.ToJwk("k", includePrivate: false)]);

        var result = Jws.Verify(Jws.Sign([], key, "k"), trusted);

        Assert.True(result.IsValid, result.Detail);
        Assert.Empty(result.Payload!);
    }

    [Fact]
    public void required_type_is_enforced_ignoring_case()
    {
        using var key = Ed25519SigningKey.Generate();
        var trusted = new JsonWebKeySet([key.ToJwk("k", includePrivate: false)]);
        var license = Jws.Sign("{}"u8, key, "k", "license+jwt");
        var feed = Jws.Sign("{}"u8, key, "k", "revocation-feed+jwt");
        var untyped = Jws.Sign("{}"u8, key, "k");
        var options = new JwsVerifyOptions { RequiredType = "License+JWT" };

        Assert.True(Jws.Verify(license, trusted, options).IsValid);
        Assert.Equal(JwsFailure.WrongType, Jws.Verify(feed, trusted, options).Failure);
        Assert.Equal(JwsFailure.WrongType, Jws.Verify(untyped, trusted, options).Failure);
    }

    [Theory]
    [InlineData("alg")]
    [InlineData("kid")]
    [InlineData("typ")]
    [InlineData("crit")]
    [InlineData("b64")]
    [InlineData("jwk")]
    [InlineData("jku")]
    [InlineData("x5u")]
    [InlineData("x5c")]
    public void sign_refuses_reserved_extra_headers(string name)
    {
        using var key = Ed25519SigningKey.Generate();
        Assert.Throws<ArgumentException>(() => Jws.Sign("{}"u8, key, "k", extraHeaders: new Dictionary<string, object> { [name] = "x" }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../keys")]
    [InlineData("a b")]
    public void sign_refuses_an_invalid_kid(string kid)
    {
        using var key = Ed25519SigningKey.Generate();
        Assert.Throws<ArgumentException>(() => Jws.Sign("{}"u8, key, kid));
    }

    [Fact]
    public void signatures_are_deterministic_for_the_same_input()
    {
        using var key = Ed25519SigningKey.Generate();
        Assert.Equal(Jws.Sign("x"u8, key, "k"), Jws.Sign("x"u8, key, "k"));
    }

    [Theory]
    [InlineData("""{"alg":"EdDSA","kid":"k","n":1.5}""")]
    [InlineData("""{"alg":"EdDSA","kid":"k","n":123456789012345678901234567890}""")]
    [InlineData("""{"alg":"EdDSA","kid":"k","n":null,"o":{"a":[1,"two",{}]},"t":true}""")]
    public void header_members_of_any_json_type_do_not_break_verification(string header)
    {
        using var key = Ed25519SigningKey.Generate();
        var trusted = new JsonWebKeySet([key.ToJwk("k", includePrivate: false)]);

        var result = Jws.Verify(TokenForge.Token(header, "{}", key), trusted);

        Assert.True(result.IsValid, result.Detail);
    }

    [Fact]
    public void extra_headers_of_several_types_sign_and_verify()
    {
        using var key = Ed25519SigningKey.Generate();
        var trusted = new JsonWebKeySet([key.ToJwk("k", includePrivate: false)]);
        var extra = new Dictionary<string, object> { ["ratio"] = 1.5, ["iat"] = 1_700_000_000L, ["aud"] = new[] { "product-a" } };

        var result = Jws.Verify(Jws.Sign("{}"u8, key, "k", extraHeaders: extra), trusted);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(1.5, result.Header!.Value.GetProperty("ratio").GetDouble());
        Assert.Equal("product-a", result.Header!.Value.GetProperty("aud")[0].GetString());
    }

    [Fact]
    public void detached_signing_for_external_custody_produces_the_same_token_as_sign()
    {
        using var key = Ed25519SigningKey.Generate();
        var payload = "{\"jti\":\"x\"}"u8.ToArray();

        var header = Jws.ProtectedHeader("license-1", "license+jwt");
        var signingInput = Jws.SigningInput(header, payload);
        var compact = Jws.Compact(signingInput, key.Sign(signingInput));

        Assert.Equal(Jws.Sign(payload, key, "license-1", "license+jwt"), compact);
        Assert.True(Jws.Verify(compact, new JsonWebKeySet([key.ToJwk("license-1", includePrivate: false)])).IsValid);
        Assert.Throws<ArgumentException>(() => Jws.Compact(signingInput, new byte[63]));
        Assert.Throws<ArgumentException>(() => Jws.ProtectedHeader("../x"));
        Assert.Throws<ArgumentException>(() => Jws.SigningInput("not base64url!", payload));
    }
}
