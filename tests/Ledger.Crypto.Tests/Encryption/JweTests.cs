using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ledger.Crypto.Tests.Encryption;

public sealed class JweTests
{
    private static readonly byte[] License = Encoding.UTF8.GetBytes("""{"jti":"0190a6d4-5b9e-7c3a-8f00-123456789abc","caps":["export","sso"]}""");

    private readonly JsonWebKey recipient = Jwe.GenerateP256("enc-1");

    [Theory]
    [InlineData(JweAlgorithm.EcdhEsA128KW, JweEncryption.A128Gcm, "ECDH-ES+A128KW", "A128GCM")]
    [InlineData(JweAlgorithm.EcdhEsA128KW, JweEncryption.A256Gcm, "ECDH-ES+A128KW", "A256GCM")]
    [InlineData(JweAlgorithm.EcdhEsA256KW, JweEncryption.A128Gcm, "ECDH-ES+A256KW", "A128GCM")]
    [InlineData(JweAlgorithm.EcdhEsA256KW, JweEncryption.A256Gcm, "ECDH-ES+A256KW", "A256GCM")]
    public void encrypt_then_decrypt_round_trips(JweAlgorithm alg, JweEncryption enc, string algName, string encName)
    {
        var compact = Jwe.Encrypt(License, recipient.ToPublic(), alg, enc, "license+jwt");
        var header = Header(compact);

        Assert.Equal(License, Jwe.Decrypt(compact, recipient));
        Assert.Equal(algName, header.GetProperty("alg").GetString());
        Assert.Equal(encName, header.GetProperty("enc").GetString());
        Assert.Equal("enc-1", header.GetProperty("kid").GetString());
        Assert.Equal("license+jwt", header.GetProperty("cty").GetString());
        Assert.Equal("P-256", header.GetProperty("epk").GetProperty("crv").GetString());
    }

    [Fact]
    public void generated_key_is_a_private_p256_encryption_key()
    {
        Assert.True(recipient.IsP256);
        Assert.True(recipient.HasPrivateKey);
        Assert.Equal(("enc", "enc-1"), (recipient.Use, recipient.Kid));
        Assert.Equal(recipient.ToJson(true), JsonWebKey.Parse(recipient.ToJson(true)).ToJson(true));
    }

    [Fact]
    public void rfc7520_5_4_is_p384_so_jose_jwt_decrypts_it_and_ledger_refuses_it()
    {
        var vector = TestVectors.Load("jose-cookbook/jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json");
        var compact = TestVectors.Text(vector.GetProperty("output"), "compact");
        var key = vector.GetProperty("input").GetProperty("key");
        var plaintext = TestVectors.Text(vector.GetProperty("input"), "plaintext");
        Assert.Equal(TestVectors.Text(TestVectors.Load("rfc/rfc7518_ecdhes_vectors.json").GetProperty("RFC7520_5.4_ECDH-ES+A128KW_A128GCM"), "jwe_compact_figure117"), compact);

        using var p384 = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP384,
            Q = new ECPoint { X = Base64Url.Decode(TestVectors.Text(key, "x")), Y = Base64Url.Decode(TestVectors.Text(key, "y")) },
            D = Base64Url.Decode(TestVectors.Text(key, "d")),
        });
        Assert.Equal(plaintext, Encoding.UTF8.GetString(Jose.JWT.DecryptBytes(compact, p384, "ECDH-ES+A128KW", "A128GCM")));

        Assert.Throws<JoseException>(() => JsonWebKey.Parse(key.GetRawText()));
        var withoutKid = $$"""{"kty":"EC","crv":"P-384","x":"{{TestVectors.Text(key, "x")}}","y":"{{TestVectors.Text(key, "y")}}"}""";
        Assert.Contains("only P-256", Assert.Throws<JoseException>(() => JsonWebKey.Parse(withoutKid)).Message, StringComparison.Ordinal);
        Assert.Contains("EC/P-256", Assert.Throws<JoseException>(() => Jwe.Decrypt(compact, recipient)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void rfc7520_5_5_is_refused_by_the_allow_list_but_jose_jwt_decrypts_it()
    {
        var vector = TestVectors.Load("jose-cookbook/jwe/5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json");
        var compact = TestVectors.Text(vector.GetProperty("output"), "compact");
        var key = vector.GetProperty("input").GetProperty("key");
        var plaintext = TestVectors.Text(vector.GetProperty("input"), "plaintext");
        Assert.Equal(TestVectors.Text(TestVectors.Load("rfc/rfc7518_ecdhes_vectors.json").GetProperty("RFC7520_5.5_ECDH-ES_direct_A128CBC-HS256"), "jwe_compact_figure128"), compact);

        // The cookbook kid has '@', outside Ledger's kid alphabet; the key material is what matters here.
        var ledgerKey = JsonWebKey.Parse($$"""{"kty":"EC","crv":"P-256","x":"{{TestVectors.Text(key, "x")}}","y":"{{TestVectors.Text(key, "y")}}","d":"{{TestVectors.Text(key, "d")}}"}""");
        var refused = Assert.Throws<JoseException>(() => Jwe.Decrypt(compact, ledgerKey));
        Assert.Contains("alg 'ECDH-ES' is refused", refused.Message, StringComparison.Ordinal);

        using var ecdh = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.Decode(ledgerKey.X), Y = Base64Url.Decode(ledgerKey.Y!) },
            D = Base64Url.Decode(ledgerKey.D!),
        });
        Assert.Equal(plaintext, Encoding.UTF8.GetString(Jose.JWT.DecryptBytes(compact, ecdh, "ECDH-ES", "A128CBC-HS256")));
    }

    [Fact]
    public void rfc7518_appendix_c_p256_agreement_and_concat_kdf_match()
    {
        var vector = TestVectors.Load("rfc/rfc7518_ecdhes_vectors.json").GetProperty("RFC7518_AppendixC_ECDH-ES_direct_A128GCM");
        var alice = JsonWebKey.Parse(vector.GetProperty("alice_ephemeral_jwk").GetRawText());
        var bob = JsonWebKey.Parse(vector.GetProperty("bob_static_jwk").GetRawText());
        using var aliceKey = ECDiffieHellman.Create(alice.ToEcParameters(includePrivate: true));
        using var bobPublic = ECDiffieHellman.Create(bob.ToEcParameters(includePrivate: false));
        var z = vector.GetProperty("Z_octets").EnumerateArray().Select(b => (byte)b.GetInt32()).ToArray();
        var otherInfo = vector.GetProperty("OtherInfo_octets").EnumerateArray().Select(b => (byte)b.GetInt32()).ToArray();

        Assert.Equal(z, aliceKey.DeriveRawSecretAgreement(bobPublic.PublicKey));
        // Concat KDF, one round: SHA-256(be32(1) || Z || OtherInfo), truncated to 128 bits.
        var derived = aliceKey.DeriveKeyFromHash(bobPublic.PublicKey, HashAlgorithmName.SHA256, [0, 0, 0, 1], otherInfo)[..16];
        Assert.Equal(TestVectors.Text(vector, "derived_key_b64url"), Base64Url.Encode(derived));
    }

    [Fact]
    public void wycheproof_p256_ecdh_es_cases_accept_exactly_the_supported_valid_ones()
    {
        var file = TestVectors.Load("wycheproof/json_web_encryption_test.json");
        var accepted = new List<int>();
        var failures = new List<string>();
        var count = 0;
        foreach (var group in file.GetProperty("testGroups").EnumerateArray())
        {
            var privateKey = group.GetProperty("private");
            if (privateKey.GetProperty("kty").GetString() != "EC" || privateKey.GetProperty("crv").GetString() != "P-256")
            {
                continue;
            }

            var key = LedgerKeyFor(privateKey);
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                count++;
                var tcId = test.GetProperty("tcId").GetInt32();
                var compact = TestVectors.Text(test, "jwe");
                var supported = key is not null && IsSupported(compact);
                var shouldAccept = supported && TestVectors.Text(test, "result") == "valid";
                try
                {
                    var plaintext = Jwe.Decrypt(compact, key ?? recipient);
                    accepted.Add(tcId);
                    if (!shouldAccept || !plaintext.SequenceEqual(TestVectors.Hex(test, "pt")))
                    {
                        failures.Add($"tcId {tcId} ({TestVectors.Text(test, "comment")}) was accepted");
                    }
                }
                catch (JoseException ex)
                {
                    if (shouldAccept)
                    {
                        failures.Add($"tcId {tcId} ({TestVectors.Text(test, "comment")}) was refused: {ex.Message}");
                    }
                }
            }
        }

        Assert.Empty(failures);
        Assert.Equal(43, count);
        Assert.Equal([34, 52, 54, 58, 62, 66], accepted);
    }

    [Fact]
    public void wycheproof_invalid_curve_epk_is_refused_before_key_agreement()
    {
        var file = TestVectors.Load("wycheproof/json_web_encryption_test.json");
        var tests = file.GetProperty("testGroups").EnumerateArray().SelectMany(g => g.GetProperty("tests").EnumerateArray()).ToList();
        var invalidCurve = tests.Single(t => t.GetProperty("tcId").GetInt32() == 51);
        var epk = Header(TestVectors.Text(invalidCurve, "jwe")).GetProperty("epk").GetRawText();

        // tcId 51 uses A128CBC-HS256, which the allow-list refuses first; put its epk in an allowed header.
        var compact = WithHeader(Jwe.Encrypt(License, recipient.ToPublic()), $$"""{"alg":"ECDH-ES+A128KW","enc":"A128GCM","kid":"enc-1","epk":{{epk}}}""");

        var error = Assert.Throws<JoseException>(() => Jwe.Decrypt(compact, recipient));
        Assert.Contains("not a point on P-256", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kty":"EC","crv":"P-384","x":"{x}","y":"{y}"}""", "EC/P-256")]
    [InlineData("""{"kty":"OKP","crv":"X25519","x":"{x}"}""", "EC/P-256")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"{x}"}""", "'y'")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}","d":"{x}"}""", "private key")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"{x}A","y":"{y}"}""", "not a point")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""", "not a point")]
    [InlineData("\"none\"", "'epk' object")]
    public void bad_ephemeral_key_is_refused(string epkTemplate, string reason)
    {
        var compact = Jwe.Encrypt(License, recipient.ToPublic());
        var epk = Header(compact).GetProperty("epk");
        var forged = epkTemplate.Replace("{x}", epk.GetProperty("x").GetString(), StringComparison.Ordinal).Replace("{y}", epk.GetProperty("y").GetString(), StringComparison.Ordinal);

        var error = Assert.Throws<JoseException>(() => Jwe.Decrypt(WithHeader(compact, $$"""{"alg":"ECDH-ES+A128KW","enc":"A128GCM","epk":{{forged}}}"""), recipient));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void tampering_with_any_part_gives_one_indistinct_message()
    {
        var compact = Jwe.Encrypt(License, recipient.ToPublic());
        var parts = compact.Split('.');
        var headerJson = Encoding.UTF8.GetString(Base64Url.Decode(parts[0]));
        var tampered = new List<string>
        {
            // An extra header member keeps the header acceptable but changes the AAD.
            WithHeader(compact, headerJson[..^1] + ",\"note\":1}"),
        };
        for (var part = 1; part < 5; part++)
        {
            var copy = compact.Split('.');
            var bytes = Base64Url.Decode(copy[part]);
            bytes[0] ^= 0x01;
            copy[part] = Base64Url.Encode(bytes);
            tampered.Add(string.Join('.', copy));
        }

        var messages = tampered.Select(token => Assert.Throws<JoseException>(() => Jwe.Decrypt(token, recipient)).Message).ToHashSet(StringComparer.Ordinal);

        var message = Assert.Single(messages);
        Assert.StartsWith("JWE decryption failed", message, StringComparison.Ordinal);
    }

    [Fact]
    public void another_recipients_key_cannot_decrypt()
    {
        var other = Jwe.GenerateP256("enc-1");
        var error = Assert.Throws<JoseException>(() => Jwe.Decrypt(Jwe.Encrypt(License, recipient.ToPublic()), other));
        Assert.StartsWith("JWE decryption failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void token_for_another_kid_is_refused_by_name()
    {
        var other = Jwe.GenerateP256("enc-2");
        var error = Assert.Throws<JoseException>(() => Jwe.Decrypt(Jwe.Encrypt(License, recipient.ToPublic()), other));
        Assert.Contains("'enc-1', not to 'enc-2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void truncated_tag_or_iv_is_refused()
    {
        var compact = Jwe.Encrypt(License, recipient.ToPublic());
        var parts = compact.Split('.');

        Assert.Throws<JoseException>(() => Jwe.Decrypt(string.Join('.', parts[0], parts[1], parts[2], parts[3], Base64Url.Encode(Base64Url.Decode(parts[4]).AsSpan(0, 15))), recipient));
        Assert.Throws<JoseException>(() => Jwe.Decrypt(string.Join('.', parts[0], parts[1], Base64Url.Encode(Base64Url.Decode(parts[2]).AsSpan(0, 8)), parts[3], parts[4]), recipient));
        Assert.Throws<JoseException>(() => Jwe.Decrypt(string.Join('.', parts[0], parts[1], parts[2], parts[3], string.Empty), recipient));
    }

    [Fact]
    public void compressed_token_is_refused_unless_allowed_and_capped()
    {
        using var publicKey = ECDiffieHellman.Create(recipient.ToEcParameters(includePrivate: false));
        var small = Jose.JWT.EncodeBytes(License, publicKey, "ECDH-ES+A128KW", "A128GCM", "DEF");
        var bomb = Jose.JWT.EncodeBytes(new byte[4 * 1024 * 1024], publicKey, "ECDH-ES+A128KW", "A128GCM", "DEF");
        var allow = new JweDecryptOptions { AllowCompressionUnsafe = true };

        Assert.Contains("compressed", Assert.Throws<JoseException>(() => Jwe.Decrypt(small, recipient)).Message, StringComparison.Ordinal);
        Assert.Equal(License, Jwe.Decrypt(small, recipient, allow));
        Assert.True(bomb.Length < 16 * 1024);
        Assert.Throws<JoseException>(() => Jwe.Decrypt(bomb, recipient, allow));
    }

    [Fact]
    public void oversized_token_is_refused_and_the_limit_is_configurable()
    {
        var compact = Jwe.Encrypt(new byte[2 * 1024 * 1024], recipient.ToPublic());

        Assert.Contains("MaxTokenBytes", Assert.Throws<JoseException>(() => Jwe.Decrypt(compact, recipient)).Message, StringComparison.Ordinal);
        Assert.Equal(2 * 1024 * 1024, Jwe.Decrypt(compact, recipient, new JweDecryptOptions { MaxTokenBytes = 4 * 1024 * 1024 }).Length);
    }

    [Theory]
    [InlineData("""{"alg":"ECDH-ES","enc":"A128GCM"}""", "alg 'ECDH-ES' is refused")]
    [InlineData("""{"alg":"ECDH-ES+A192KW","enc":"A192GCM"}""", "alg 'ECDH-ES+A192KW' is refused")]
    [InlineData("""{"alg":"RSA1_5","enc":"A128GCM"}""", "alg 'RSA1_5' is refused")]
    [InlineData("""{"alg":"dir","enc":"A128GCM"}""", "alg 'dir' is refused")]
    [InlineData("""{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2c":2147483647,"p2s":"AAAA"}""", "is refused")]
    [InlineData("""{"alg":"ECDH-ES+A128KW","enc":"A128CBC-HS256"}""", "enc 'A128CBC-HS256' is refused")]
    [InlineData("""{"alg":"ecdh-es+a128kw","enc":"A128GCM"}""", "is refused")]
    [InlineData("""{"alg":"ECDH-ES+A128KW","enc":"A128GCM","crit":["exp"]}""", "'crit'")]
    [InlineData("""{"alg":"ECDH-ES+A128KW","enc":"A128GCM","jku":"https://attacker.example"}""", "'jku'")]
    [InlineData("""{"alg":"ECDH-ES+A128KW","enc":"A128GCM","alg":"dir"}""", "repeats")]
    [InlineData("""{"enc":"A128GCM"}""", "'alg'")]
    public void header_outside_the_allow_list_is_refused(string headerPrefix, string reason)
    {
        var compact = Jwe.Encrypt(License, recipient.ToPublic());
        var epk = Header(compact).GetProperty("epk").GetRawText();
        var header = headerPrefix[..^1] + ",\"epk\":" + epk + "}";

        var error = Assert.Throws<JoseException>(() => Jwe.Decrypt(WithHeader(compact, header), recipient));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.b.c.d")]
    [InlineData("a.b.c.d.e.f")]
    [InlineData("")]
    [InlineData("""{"protected":"x","ciphertext":"y"}""")]
    public void non_compact_input_is_refused(string compact)
    {
        Assert.Throws<JoseException>(() => Jwe.Decrypt(compact, recipient));
    }

    [Fact]
    public void key_bound_to_one_algorithm_is_not_used_with_another()
    {
        var bound = JsonWebKey.Parse(recipient.ToJson(includePrivate: true).Replace("\"use\":\"enc\"", "\"use\":\"enc\",\"alg\":\"ECDH-ES+A256KW\"", StringComparison.Ordinal));

        Assert.Throws<JoseException>(() => Jwe.Encrypt(License, bound.ToPublic(), JweAlgorithm.EcdhEsA128KW));
        Assert.Contains("bound to alg", Assert.Throws<JoseException>(() => Jwe.Decrypt(Jwe.Encrypt(License, recipient.ToPublic()), bound)).Message, StringComparison.Ordinal);
        Assert.Equal(License, Jwe.Decrypt(Jwe.Encrypt(License, bound.ToPublic(), JweAlgorithm.EcdhEsA256KW), bound));
    }

    [Fact]
    public void signing_key_and_public_key_cannot_decrypt()
    {
        using var signing = Ed25519SigningKey.Generate();
        var compact = Jwe.Encrypt(License, recipient.ToPublic());

        Assert.Throws<JoseException>(() => Jwe.Encrypt(License, signing.ToJwk("sig-1", false)));
        Assert.Throws<JoseException>(() => Jwe.Decrypt(compact, signing.ToJwk("enc-1", true)));
        Assert.Contains("public key", Assert.Throws<JoseException>(() => Jwe.Decrypt(compact, recipient.ToPublic())).Message, StringComparison.Ordinal);
    }

    private static JsonElement Header(string compact) =>
        JsonDocument.Parse(Base64Url.Decode(compact.Split('.')[0])).RootElement.Clone();

    private static string WithHeader(string compact, string headerJson)
    {
        var parts = compact.Split('.');
        parts[0] = Base64Url.Encode(Encoding.UTF8.GetBytes(headerJson));
        return string.Join('.', parts);
    }

    private static bool IsSupported(string compact)
    {
        try
        {
            var header = Header(compact);
            return header.GetProperty("alg").GetString() is "ECDH-ES+A128KW" or "ECDH-ES+A256KW"
                && header.GetProperty("enc").GetString() is "A128GCM" or "A256GCM";
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    // Groups whose key names an algorithm outside the allow-list still hold P-256 material; load it
    // without that alg so the token, not the key, is what gets refused.
    private static JsonWebKey? LedgerKeyFor(JsonElement groupKey)
    {
        try
        {
            return JsonWebKey.FromJsonElement(groupKey);
        }
        catch (JoseException)
        {
            var members = groupKey.EnumerateObject().Where(p => p.Name is not ("alg" or "kid")).ToDictionary(p => p.Name, p => p.Value.GetString());
            try
            {
                return JsonWebKey.Parse(JsonSerializer.Serialize(members));
            }
            catch (JoseException)
            {
                return null;
            }
        }
    }
}
