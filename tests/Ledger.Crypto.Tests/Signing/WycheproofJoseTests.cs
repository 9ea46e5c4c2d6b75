using System.Text.Json;

namespace Ledger.Crypto.Tests.Signing;

/// <summary>
/// Wycheproof's JWS and JWK files hold no EdDSA cases; they test HS*, RS*, PS* and ES* handling.
/// What applies to an EdDSA-only verifier: none of their keys may enter a Ledger key set as a signing
/// key, and none of their tokens may verify, even when the trusted set has an Ed25519 key under the
/// kid the token names (the mixed key set / algorithm confusion cases).
/// </summary>
public sealed class WycheproofJoseTests
{
    [Fact]
    public void wycheproof_jws_every_token_is_refused_and_named_attacks_fail_for_the_right_reason()
    {
        var file = TestVectors.Load("wycheproof/json_web_signature_test.json");
        var failures = new List<string>();
        var count = 0;
        foreach (var group in file.GetProperty("testGroups").EnumerateArray())
        {
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                count++;
                var tcId = test.GetProperty("tcId").GetInt32();
                var jws = test.GetProperty("jws");
                var compact = jws.ValueKind == JsonValueKind.String ? jws.GetString()! : jws.GetRawText();
                var result = Jws.Verify(compact, TrustedSetNaming(compact));

                var expected = tcId switch
                {
                    16 or 31 or (>= 331 and <= 344) => JwsFailure.UnsupportedAlgorithm,
                    _ when jws.ValueKind == JsonValueKind.Object => JwsFailure.Malformed,
                    _ => (JwsFailure?)null,
                };

                if (result.IsValid || (expected is { } failure && result.Failure != failure))
                {
                    failures.Add($"tcId {tcId} ({TestVectors.Text(test, "comment")}): got {result.Failure}, expected {expected?.ToString() ?? "any failure"}");
                }
            }
        }

        Assert.Equal(file.GetProperty("numberOfTests").GetInt32(), count);
        Assert.Equal(401, count);
        Assert.Empty(failures);
    }

    [Fact]
    public void wycheproof_jws_no_group_key_becomes_a_signing_key()
    {
        var file = TestVectors.Load("wycheproof/json_web_signature_test.json");
        var failures = new List<string>();
        foreach (var group in file.GetProperty("testGroups").EnumerateArray())
        {
            foreach (var member in new[] { "private", "public" })
            {
                if (!group.TryGetProperty(member, out var jwk))
                {
                    continue;
                }

                try
                {
                    var key = JsonWebKey.FromJsonElement(jwk);
                    if (key.IsEd25519)
                    {
                        failures.Add($"{TestVectors.Text(group, "comment")} {member}: accepted as an Ed25519 key");
                    }
                }
                catch (JoseException)
                {
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public void wycheproof_jwk_every_key_set_is_refused_and_every_token_fails()
    {
        var file = TestVectors.Load("wycheproof/json_web_key_test.json");
        var failures = new List<string>();
        var count = 0;
        foreach (var group in file.GetProperty("testGroups").EnumerateArray())
        {
            foreach (var member in new[] { "private", "public" })
            {
                if (group.TryGetProperty(member, out var keySet))
                {
                    try
                    {
                        JsonWebKeySet.ParsePrivate(keySet.GetRawText());
                        failures.Add($"{TestVectors.Text(group, "comment")} {member} key set was accepted");
                    }
                    catch (JoseException)
                    {
                    }
                }
            }

            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                count++;
                var compact = TestVectors.Text(test, "jws");
                var result = Jws.Verify(compact, TrustedSetNaming(compact));
                if (result.IsValid || result.Failure != JwsFailure.UnsupportedAlgorithm)
                {
                    failures.Add($"tcId {test.GetProperty("tcId")}: got {result.Failure}, expected UnsupportedAlgorithm");
                }
            }
        }

        Assert.Equal(26, count);
        Assert.Empty(failures);
    }

    // A trusted set holding an Ed25519 key under the token's own kid: the strongest position for a confusion attack.
    private static JsonWebKeySet TrustedSetNaming(string compact)
    {
        using var key = Ed25519SigningKey.Generate();
        var kid = "unrelated";
        try
        {
            var header = JsonDocument.Parse(Base64Url.Decode(compact.Split('.')[0])).RootElement;
            if (header.TryGetProperty("kid", out var named) && KeyId.IsValid(named.GetString()))
            {
                kid = named.GetString()!;
            }
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
        }

        return new JsonWebKeySet([key.ToJwk(kid, includePrivate: false)]);
    }
}
