namespace Ledger.Crypto.Tests.Signing;

public sealed class Ed25519SigningKeyTests
{
    [Fact]
    public void seed_round_trips_through_export_and_jwk()
    {
        using var key = Ed25519SigningKey.Generate();
        var seed = key.ExportSeed();
        using var again = Ed25519SigningKey.FromSeed(seed);
        using var fromJwk = Ed25519SigningKey.FromJwk(key.ToJwk("k1", includePrivate: true));

        Assert.Equal(32, seed.Length);
        Assert.Equal(key.PublicKey, again.PublicKey);
        Assert.Equal(key.PublicKey, fromJwk.PublicKey);
        Assert.Equal(key.Sign("same"u8), again.Sign("same"u8));
    }

    [Fact]
    public void public_jwk_has_no_private_member_and_names_its_algorithm()
    {
        using var key = Ed25519SigningKey.Generate();
        var jwk = key.ToJwk("license-1", includePrivate: false);

        Assert.Null(jwk.D);
        Assert.Equal(("OKP", "Ed25519", "sig", "EdDSA", "license-1"), (jwk.Kty, jwk.Crv, jwk.Use, jwk.Alg, jwk.Kid));
        Assert.Throws<JoseException>(() => Ed25519SigningKey.FromJwk(jwk));
    }

    [Fact]
    public void to_string_shows_no_private_bytes()
    {
        using var key = Ed25519SigningKey.Generate();
        var seed = key.ExportSeed();

        Assert.DoesNotContain(Base64Url.Encode(seed), key.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(seed), key.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void seed_of_wrong_length_is_refused()
    {
        Assert.Throws<JoseException>(() => Ed25519SigningKey.FromSeed(new byte[31]));
        Assert.Throws<JoseException>(() => Ed25519SigningKey.FromSeed(new byte[64]));
    }

    [Fact]
    public void p256_key_cannot_become_a_signing_key()
    {
        Assert.Throws<JoseException>(() => Ed25519SigningKey.FromJwk(Jwe.GenerateP256("enc-1")));
    }
}
