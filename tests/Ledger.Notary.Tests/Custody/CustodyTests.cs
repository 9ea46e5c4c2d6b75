using System.Security.Cryptography;
using Google.Protobuf;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.Testing;
using Npgsql;

namespace Ledger.Notary.Tests.Custody;

public sealed class CustodyTests(NotaryWithActiveKeys notary) : IClassFixture<NotaryWithActiveKeys>
{
    [Fact]
    public async Task the_database_holds_no_plaintext_private_key()
    {
        await notary.Licenses.SignAsync(SignRequests.License());
        var opened = await WrappedKeys.OpenAllAsync(notary.ServiceDatabase("notary"), notary.RootKey);
        var jwks = await notary.FetchJwksAsync();
        var dump = await WrappedKeys.DumpSchemaAsync(notary.ServiceDatabase("notary"));

        Assert.Equal(5, opened.Count);
        foreach (var key in opened.Where(k => k.Purpose != "encryption"))
        {
            // The opened secret really is the key behind the published public key...
            using var signingKey = Ed25519SigningKey.FromSeed(key.Secret);
            Assert.Equal(jwks.Find(key.Kid.ToString())!.X, Base64Url.Encode(signingKey.PublicKey));
        }

        // ...and no encoding of any private key appears anywhere in Notary's tables.
        foreach (var key in opened)
        {
            Assert.All(WrappedKeys.Encodings(key.Secret), encoded => Assert.DoesNotContain(encoded, dump));
        }

        Assert.DoesNotContain(notary.RootKey, dump);
    }

    [Fact]
    public async Task notary_logs_no_key_material_at_any_level()
    {
        await notary.Feeds.SignAsync(SignRequests.Feed());
        await notary.Keys.RotateKeyAsync(new RotateKeyRequest { IdempotencyKey = Guid.NewGuid().ToString(), Purpose = KeyPurpose.Attestation, Reason = "log test" });
        await notary.Attestations.SignAsync(SignRequests.Attestation());
        var opened = await WrappedKeys.OpenAllAsync(notary.ServiceDatabase("notary"), notary.RootKey);
        var logs = notary.Notary.Logs.All;

        Assert.Contains("Trace", logs); // the capture really runs at Trace level
        foreach (var key in opened)
        {
            Assert.All(WrappedKeys.Encodings(key.Secret), encoded => Assert.DoesNotContain(encoded, logs));
        }

        Assert.DoesNotContain(notary.RootKey, logs);
    }

    [Fact]
    public async Task restarting_with_the_same_root_key_keeps_the_same_keys()
    {
        var before = await notary.Keys.ListKeysAsync(new ListKeysRequest());

        await using var restarted = notary.StartNotary(notary.RootKey);
        var keys = new Ledger.Contracts.Notary.V1.Keys.KeysClient(restarted.CreateChannel());
        var after = await keys.ListKeysAsync(new ListKeysRequest());
        var signed = await new Ledger.Contracts.Notary.V1.Signing.SigningClient(restarted.CreateChannel(() => notary.Clients.Mint(TestClients.Issuance, "notary")))
            .SignAsync(SignRequests.License());

        Assert.Equal(before.Keys.Select(k => k.Kid), after.Keys.Select(k => k.Kid));
        Assert.Equal(
            before.Keys.Single(k => k.Purpose == KeyPurpose.License && k.Status == KeyStatus.Active).Kid,
            signed.Kid);
        Assert.True(Jws.Verify(signed.Jws, await notary.FetchJwksAsync(restarted)).IsValid);
    }

    [Fact]
    public async Task restarting_with_a_different_root_key_refuses_to_start_and_says_why()
    {
        var otherRootKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        var error = Assert.ThrowsAny<Exception>(() => notary.StartNotary(otherRootKey));

        Assert.Contains("is not the one that wrapped the stored private keys", Flatten(error));
        await Task.CompletedTask;
    }

    [Fact]
    public void starting_without_a_root_key_refuses_and_says_how_to_make_one()
    {
        var error = Assert.ThrowsAny<Exception>(() => notary.StartNotary(null));

        Assert.Contains("Notary has no root key", Flatten(error));
        Assert.Contains("Ledger__Notary__RootKeyFile", Flatten(error));
    }

    internal static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);
}
