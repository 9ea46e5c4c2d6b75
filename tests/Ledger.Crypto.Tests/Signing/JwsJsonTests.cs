using System.Text;
using System.Text.Json;

namespace Ledger.Crypto.Tests.Signing;

public sealed class JwsJsonTests
{
    private static readonly JsonElement Rfc8037 = TestVectors.Load("rfc/rfc8037_vectors.json");

    private static readonly byte[] Statement = """{"jti":"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f","kind":"artifacts"}"""u8.ToArray();

    [Fact]
    public void the_rfc8037_a4_signature_in_general_form_is_the_same_signature()
    {
        var vector = Rfc8037.GetProperty("A.4_ed25519_signing");
        var compact = TestVectors.Text(vector, "jws_compact");

        var general = JwsJson.FromCompact(compact);

        Assert.Equal(TestVectors.Text(vector, "payload_b64url"), general.Payload);
        var signature = Assert.Single(general.Signatures);
        Assert.Equal(TestVectors.Text(vector, "protected_header_b64url"), signature.Protected);
        Assert.Equal(TestVectors.Text(vector, "signature_b64url"), signature.Signature);
        Assert.Equal(compact, general.ToCompact(0));
        Assert.Equal(
            $$"""{"payload":"{{general.Payload}}","signatures":[{"protected":"{{signature.Protected}}","signature":"{{signature.Signature}}"}]}""",
            general.ToJson());
    }

    [Fact]
    public void two_signers_over_one_payload_each_verify_with_their_own_key_only()
    {
        using var vendor = Ed25519SigningKey.Generate();
        using var notary = Ed25519SigningKey.Generate();
        var vendorKeys = new JsonWebKeySet([vendor.ToJwk("vendor-1", includePrivate: false)]);
        var notaryKeys = new JsonWebKeySet([notary.ToJwk("notary-1", includePrivate: false)]);
        var first = JwsJson.FromCompact(Jws.Sign(Statement, vendor, "vendor-1", "attestation+jwt"));
        var notaryHeader = Jws.ProtectedHeader("notary-1", "attestation+jwt");
        var countersignature = notary.Sign(Jws.SigningInput(notaryHeader, Statement));

        var both = first.WithSignature(new JwsJsonSignature(notaryHeader, Base64Url.Encode(countersignature)));
        var parsed = JwsJson.Parse(both.ToJson());

        Assert.Equal(Statement, parsed.PayloadBytes());
        Assert.Equal(2, parsed.Signatures.Count);
        Assert.True(parsed.Verify(0, vendorKeys).IsValid);
        Assert.True(parsed.Verify(1, notaryKeys).IsValid);
        Assert.Equal(JwsFailure.UnknownKey, parsed.Verify(0, notaryKeys).Failure);
        Assert.Equal(JwsFailure.UnknownKey, parsed.Verify(1, vendorKeys).Failure);
        Assert.Equal("notary-1", parsed.Verify(1, vendorKeys).Kid);
    }

    [Fact]
    public void a_changed_payload_breaks_every_signature()
    {
        using var key = Ed25519SigningKey.Generate();
        var keys = new JsonWebKeySet([key.ToJwk("k1", includePrivate: false)]);
        var signed = JwsJson.FromCompact(Jws.Sign(Statement, key, "k1"));
        var tampered = JwsJson.Create(Base64Url.Encode("""{"jti":"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f","kind":"manifest"}"""u8), signed.Signatures);

        Assert.Equal(JwsFailure.BadSignature, tampered.Verify(0, keys).Failure);
    }

    [Fact]
    public void swapping_a_signature_between_documents_fails()
    {
        using var key = Ed25519SigningKey.Generate();
        var keys = new JsonWebKeySet([key.ToJwk("k1", includePrivate: false)]);
        var one = JwsJson.FromCompact(Jws.Sign("one"u8, key, "k1"));
        var other = JwsJson.FromCompact(Jws.Sign("two"u8, key, "k1"));

        var swapped = JwsJson.Create(one.Payload, other.Signatures);

        Assert.Equal(JwsFailure.BadSignature, swapped.Verify(0, keys).Failure);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "[]", "JSON object" },
        { """{"signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AAAA"}]}""", "payload" },
        { """{"payload":"e30"}""", "signatures" },
        { """{"payload":"e30","signatures":[]}""", "1 to 8" },
        { """{"payload":"e30","signatures":{}}""", "signatures" },
        { """{"payload":"e30","protected":"eyJhbGciOiJFZERTQSJ9","signature":"AAAA"}""", "flattened" },
        { """{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","header":{"kid":"k1"},"signature":"AAAA"}]}""", "unprotected" },
        { """{"payload":"e30","signatures":[{"signature":"AAAA"}]}""", "protected" },
        { """{"payload":"e30","signatures":[{"protected":"","signature":"AAAA"}]}""", "empty protected" },
        { """{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9"}]}""", "no 'signature'" },
        { """{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AAAA","x":1}]}""", "unexpected member" },
        { """{"payload":"e30","signatures":["eyJhbGciOiJFZERTQSJ9.e30.AAAA"]}""", "must be an object" },
        { """{"payload":"e30","payload":"e31","signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AAAA"}]}""", "repeats a member" },
        { """{"payload":"e30=","signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AAAA"}]}""", "payload" },
        { """{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AA+/"}]}""", "signatures[0].signature" },
        { """{"payload":1,"signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AAAA"}]}""", "payload" },
        { """{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AAAA"}],"extra":true}""", "unexpected member" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void malformed_documents_are_refused_saying_why(string json, string reason)
    {
        var error = Assert.Throws<JoseException>(() => JwsJson.Parse(json));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void more_than_eight_signatures_are_refused()
    {
        var signatures = string.Join(",", Enumerable.Repeat("""{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AAAA"}""", 9));

        var error = Assert.Throws<JoseException>(() => JwsJson.Parse($$"""{"payload":"e30","signatures":[{{signatures}}]}"""));

        Assert.Contains("more than 8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_document_over_the_size_bound_is_refused_before_it_is_parsed()
    {
        var json = $$"""{"payload":"{{new string('A', 2000)}}","signatures":[]}""";

        var error = Assert.Throws<JoseException>(() => JwsJson.Parse(json, maxBytes: 1000));

        Assert.Contains("larger than 1000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_compact_jws_must_have_three_parts()
    {
        Assert.Throws<JoseException>(() => JwsJson.FromCompact("a.b"));
        Assert.Throws<JoseException>(() => JwsJson.FromCompact("a.b.c.d.e"));
    }

    [Fact]
    public void serialization_is_stable_across_a_round_trip()
    {
        using var key = Ed25519SigningKey.Generate();
        var signed = JwsJson.FromCompact(Jws.Sign(Encoding.UTF8.GetBytes("stable"), key, "k1"));

        Assert.Equal(signed.ToJson(), JwsJson.Parse(signed.ToJson()).ToJson());
    }
}
