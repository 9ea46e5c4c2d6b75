using System.Security.Cryptography;
using System.Text;

namespace Ledger.Crypto.Tests.Signing;

/// <summary>One test per attack in Vectors/JOSE_ATTACKS.md that applies to compact EdDSA JWS.</summary>
public sealed class JwsAttackTests : IDisposable
{
    private const string Kid = "license-1";
    private const string Payload = """{"sub":"customer-7","caps":["basic"]}""";

    private readonly Ed25519SigningKey key = Ed25519SigningKey.Generate();
    private readonly JsonWebKeySet trusted;

    public JwsAttackTests()
    {
        trusted = new JsonWebKeySet([key.ToJwk(Kid, includePrivate: false)]);
    }

    public void Dispose() => key.Dispose();

    [Fact]
    public void tampered_payload_is_a_bad_signature()
    {
        var compact = Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, Kid);
        var forged = TokenForge.ReplacePart(compact, 1, Base64Url.Encode(Encoding.UTF8.GetBytes(Payload.Replace("basic", "all", StringComparison.Ordinal))));

        AssertFailure(JwsFailure.BadSignature, forged);
    }

    [Fact]
    public void tampered_signature_is_a_bad_signature()
    {
        var compact = Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, Kid);
        var signature = Base64Url.Decode(compact.Split('.')[2]);
        signature[10] ^= 0x01;

        AssertFailure(JwsFailure.BadSignature, TokenForge.ReplacePart(compact, 2, Base64Url.Encode(signature)));
    }

    [Fact]
    public void tampered_header_is_a_bad_signature()
    {
        var compact = Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, Kid);
        var header = Base64Url.Encode("""{"alg":"EdDSA","kid":"license-1","typ":"JWT"}"""u8);

        AssertFailure(JwsFailure.BadSignature, TokenForge.ReplacePart(compact, 0, header));
    }

    [Fact]
    public void signature_by_another_key_under_a_trusted_kid_is_a_bad_signature()
    {
        using var attacker = Ed25519SigningKey.Generate();
        AssertFailure(JwsFailure.BadSignature, Jws.Sign(Encoding.UTF8.GetBytes(Payload), attacker, Kid));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("NONE")]
    [InlineData("noNE")]
    public void alg_none_in_any_casing_is_unsupported(string alg)
    {
        AssertFailure(JwsFailure.UnsupportedAlgorithm, TokenForge.Token($$"""{"alg":"{{alg}}","kid":"{{Kid}}"}""", Payload, signer: null));
    }

    [Fact]
    public void hs256_keyed_with_the_ed25519_public_key_bytes_is_unsupported()
    {
        var signingInput = Base64Url.Encode("""{"alg":"HS256","kid":"license-1"}"""u8) + "." + Base64Url.Encode(Encoding.UTF8.GetBytes(Payload));
        var mac = HMACSHA256.HashData(key.PublicKey, Encoding.ASCII.GetBytes(signingInput));

        AssertFailure(JwsFailure.UnsupportedAlgorithm, signingInput + "." + Base64Url.Encode(mac));
    }

    [Fact]
    public void hs256_keyed_with_the_jwk_text_is_unsupported()
    {
        var signingInput = Base64Url.Encode("""{"alg":"HS256","kid":"license-1"}"""u8) + "." + Base64Url.Encode(Encoding.UTF8.GetBytes(Payload));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(trusted.Keys[0].ToJson()), Encoding.ASCII.GetBytes(signingInput));

        AssertFailure(JwsFailure.UnsupportedAlgorithm, signingInput + "." + Base64Url.Encode(mac));
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    [InlineData("eddsa")]
    [InlineData("EDDSA")]
    [InlineData("Ed25519")]
    [InlineData("EdDSA ")]
    public void any_alg_but_exactly_eddsa_is_unsupported(string alg)
    {
        AssertFailure(JwsFailure.UnsupportedAlgorithm, TokenForge.Token($$"""{"alg":"{{alg}}","kid":"{{Kid}}"}""", Payload, key));
    }

    [Fact]
    public void alg_that_is_not_a_string_is_malformed()
    {
        AssertFailure(JwsFailure.Malformed, TokenForge.Token($$"""{"alg":["EdDSA"],"kid":"{{Kid}}"}""", Payload, key));
        AssertFailure(JwsFailure.Malformed, TokenForge.Token($$"""{"kid":"{{Kid}}"}""", Payload, key));
    }

    [Theory]
    [InlineData("""{"alg":"EdDSA","kid":"license-1","crit":["exp"],"exp":1}""")]
    [InlineData("""{"alg":"EdDSA","kid":"license-1","crit":[]}""")]
    [InlineData("""{"alg":"EdDSA","kid":"license-1","crit":["alg"]}""")]
    public void crit_header_is_refused(string header)
    {
        AssertFailure(JwsFailure.CriticalHeader, TokenForge.Token(header, Payload, key));
    }

    [Fact]
    public void b64_false_with_crit_is_refused()
    {
        // RFC 7797 signing input: the payload is not base64url-encoded.
        var header = Base64Url.Encode("""{"alg":"EdDSA","kid":"license-1","b64":false,"crit":["b64"]}"""u8);
        var signature = key.Sign(Encoding.UTF8.GetBytes(header + "." + Payload));

        AssertFailure(JwsFailure.CriticalHeader, header + "." + Payload + "." + Base64Url.Encode(signature));
        AssertFailure(JwsFailure.CriticalHeader, header + ".." + Base64Url.Encode(signature));
    }

    [Fact]
    public void b64_without_crit_is_refused()
    {
        AssertFailure(JwsFailure.CriticalHeader, TokenForge.Token("""{"alg":"EdDSA","kid":"license-1","b64":true}""", Payload, key));
    }

    [Theory]
    [InlineData("jwk")]
    [InlineData("jku")]
    [InlineData("x5u")]
    [InlineData("x5c")]
    public void key_carrying_header_is_forbidden(string member)
    {
        using var attacker = Ed25519SigningKey.Generate();
        var value = member switch
        {
            "jwk" => attacker.ToJwk(Kid, includePrivate: false).ToJson(),
            "x5c" => "[\"MIIB\"]",
            _ => "\"https://attacker.example/keys\"",
        };

        AssertFailure(JwsFailure.ForbiddenHeader, TokenForge.Token($$"""{"alg":"EdDSA","kid":"{{Kid}}","{{member}}":{{value}}}""", Payload, attacker));
    }

    [Theory]
    [InlineData("../../dev/null")]
    [InlineData("'; DROP TABLE keys;--")]
    [InlineData("' UNION SELECT 'secret")]
    [InlineData("license-1\n")]
    [InlineData("")]
    public void kid_outside_the_allowed_alphabet_is_malformed(string kid)
    {
        var header = "{\"alg\":\"EdDSA\",\"kid\":" + System.Text.Json.JsonSerializer.Serialize(kid) + "}";
        var result = Jws.Verify(TokenForge.Token(header, Payload, key), trusted);

        Assert.Equal(JwsFailure.Malformed, result.Failure);
        Assert.Null(result.Key);
    }

    [Fact]
    public void kid_of_129_characters_is_malformed()
    {
        AssertFailure(JwsFailure.Malformed, TokenForge.Token($$"""{"alg":"EdDSA","kid":"{{new string('k', 129)}}"}""", Payload, key));
    }

    [Fact]
    public void missing_kid_is_malformed()
    {
        AssertFailure(JwsFailure.Malformed, TokenForge.Token("""{"alg":"EdDSA"}""", Payload, key));
    }

    [Fact]
    public void unknown_kid_is_an_unknown_key_and_the_lookup_is_exact()
    {
        AssertFailure(JwsFailure.UnknownKey, Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, "license-2"));
        AssertFailure(JwsFailure.UnknownKey, Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, "LICENSE-1"));
    }

    [Fact]
    public void kid_naming_an_encryption_key_is_an_unknown_key()
    {
        var mixed = new JsonWebKeySet([key.ToJwk(Kid, includePrivate: false), Jwe.GenerateP256("enc-1").ToPublic()]);

        var result = Jws.Verify(Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, "enc-1"), mixed);

        Assert.Equal(JwsFailure.UnknownKey, result.Failure);
        Assert.Equal("enc-1", result.Kid);
    }

    [Fact]
    public void empty_signature_is_a_bad_signature()
    {
        AssertFailure(JwsFailure.BadSignature, TokenForge.Token($$"""{"alg":"EdDSA","kid":"{{Kid}}"}""", Payload, signer: null));
    }

    [Theory]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(128)]
    public void signature_that_is_not_64_bytes_is_a_bad_signature(int length)
    {
        var compact = Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, Kid);
        var signature = Base64Url.Decode(compact.Split('.')[2]);
        var resized = new byte[length];
        signature.AsSpan(0, Math.Min(64, length)).CopyTo(resized);

        AssertFailure(JwsFailure.BadSignature, TokenForge.ReplacePart(compact, 2, Base64Url.Encode(resized)));
    }

    [Fact]
    public void oversized_token_is_too_large_before_any_parsing()
    {
        var compact = Jws.Sign(new byte[13 * 1024], key, Kid);

        AssertFailure(JwsFailure.TooLarge, compact);
        Assert.True(Jws.Verify(compact, trusted, new JwsVerifyOptions { MaxTokenBytes = 32 * 1024 }).IsValid);
        AssertFailure(JwsFailure.TooLarge, new string('A', 16 * 1024 + 1));
    }

    [Fact]
    public void oversized_header_is_too_large()
    {
        var padding = new string('p', 1100);
        AssertFailure(JwsFailure.TooLarge, TokenForge.Token($$"""{"alg":"EdDSA","kid":"{{Kid}}","pad":"{{padding}}"}""", Payload, key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("a.b.c.d.e")]
    [InlineData("..")]
    public void wrong_number_of_parts_is_malformed(string compact)
    {
        AssertFailure(JwsFailure.Malformed, compact);
    }

    [Fact]
    public void null_token_is_malformed_not_an_exception()
    {
        AssertFailure(JwsFailure.Malformed, null!);
    }

    [Fact]
    public void json_serialization_is_malformed()
    {
        var compact = Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, Kid).Split('.');
        var json = $$"""{"protected":"{{compact[0]}}","payload":"{{compact[1]}}","signature":"{{compact[2]}}"}""";

        AssertFailure(JwsFailure.Malformed, json);
    }

    [Fact]
    public void duplicate_header_member_is_malformed_even_when_signed()
    {
        AssertFailure(JwsFailure.Malformed, TokenForge.Token($$"""{"alg":"EdDSA","kid":"{{Kid}}","kid":"other"}""", Payload, key));
        AssertFailure(JwsFailure.Malformed, TokenForge.Token($$"""{"alg":"none","alg":"EdDSA","kid":"{{Kid}}"}""", Payload, key));
    }

    [Theory]
    [InlineData("[\"EdDSA\"]")]
    [InlineData("\"EdDSA\"")]
    [InlineData("{\"alg\":\"EdDSA\",\"kid\":\"license-1\"")]
    [InlineData("{\"alg\":\"EdDSA\",\"kid\":\"license-1\",}")]
    public void header_that_is_not_one_json_object_is_malformed(string header)
    {
        AssertFailure(JwsFailure.Malformed, TokenForge.Token(header, Payload, key));
    }

    [Theory]
    [InlineData(0, "=")]
    [InlineData(1, "=")]
    [InlineData(2, " ")]
    [InlineData(1, "+")]
    public void non_canonical_base64url_in_any_part_is_malformed(int part, string appended)
    {
        var compact = Jws.Sign(Encoding.UTF8.GetBytes(Payload), key, Kid);
        var parts = compact.Split('.');

        AssertFailure(JwsFailure.Malformed, TokenForge.ReplacePart(compact, part, parts[part] + appended));
    }

    [Fact]
    public void modified_unused_bits_in_the_payload_are_malformed()
    {
        // "Zm9v" + "Yg" is "foob"; "Yh" decodes to the same byte in a lenient decoder.
        var header = Base64Url.Encode(Encoding.UTF8.GetBytes($$"""{"alg":"EdDSA","kid":"{{Kid}}"}"""));
        var signature = Base64Url.Encode(key.Sign(Encoding.ASCII.GetBytes(header + ".Zm9vYh")));

        AssertFailure(JwsFailure.Malformed, header + ".Zm9vYh." + signature);
    }

    [Fact]
    public void verify_never_throws_for_garbage()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            var text = i % 2 == 0 ? Encoding.Latin1.GetString(bytes) : string.Join('.', Base64Url.Encode(bytes), Base64Url.Encode(bytes), Base64Url.Encode(bytes));
            Assert.False(Jws.Verify(text, trusted).IsValid);
        }
    }

    private void AssertFailure(JwsFailure expected, string compact)
    {
        var result = Jws.Verify(compact, trusted);
        Assert.False(result.IsValid);
        Assert.True(expected == result.Failure, $"expected {expected}, got {result.Failure}: {result.Detail}");
        Assert.Null(result.Payload);
        Assert.False(string.IsNullOrEmpty(result.Detail));
    }
}
