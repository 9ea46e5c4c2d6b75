using System.Text.Json;
using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.VendorKey;

/// <summary><c>vendor-key register|list|remove</c> and <c>attest countersign</c> against the running Attestation service.</summary>
[Collection(RunningLedgerCollection.Name)]
public sealed class VendorKeyTests(RunningLedger ledger) : IDisposable
{
    private readonly OnlineWorkspace _online = new(ledger);

    [Fact]
    public async Task a_registered_vendor_key_gets_statements_countersigned_until_it_is_removed()
    {
        var vendor = $"vendor-{Guid.NewGuid():N}"[..16];
        (await _online.Files.RunAsync("keygen", "sig", vendor)).Expect(0);
        var key = JsonWebKeySet.ParsePrivate(File.ReadAllText(_online[FluxFormat.SigningPrivateFile(vendor)])).Keys.Single();

        var registered = (await _online.RunAsync("vendor-key", "register", vendor, "--key", FluxFormat.SigningPublicFile(vendor), "--output-format", "json")).Expect(0);
        Assert.Equal(key.Thumbprint(), registered.Json["kid"]!.GetValue<string>());
        Assert.Equal("active", registered.Json["status"]!.GetValue<string>());

        File.WriteAllText(_online["statement.jws"], VendorStatement(vendor, key));
        var dual = (await _online.RunAsync("attest", "countersign", "--statement", "statement.jws", "--attestation", "dual.att", "--output-format", "json")).Expect(0);
        Assert.Equal(vendor, dual.Json["vendor_id"]!.GetValue<string>());
        Assert.Equal(2, JsonDocument.Parse(File.ReadAllText(_online["dual.att"])).RootElement.GetProperty("signatures").GetArrayLength());
        var subject = $"ghcr.io/{vendor}/app@sha256:{new string('3', 64)}";
        (await _online.RunAsync("attest", "verify", "--attestation", "dual.att", "--url", subject)).Expect(0);

        var removed = (await _online.RunAsync("vendor-key", "remove", vendor, key.Thumbprint(), "--reason", "rotated", "--output-format", "json")).Expect(0);
        Assert.Equal("removed", removed.Json["status"]!.GetValue<string>());
        var listed = (await _online.RunAsync("vendor-key", "list", vendor, "--output-format", "json")).Expect(0);
        Assert.Equal("removed", listed.Json["keys"]![0]!["status"]!.GetValue<string>());

        var afterRemoval = (await _online.RunAsync("attest", "verify", "--attestation", "dual.att", "--url", subject, "--output-format", "json")).Expect(1);
        Assert.Equal("vendor_key_removed", afterRemoval.Json["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task registering_a_file_without_an_ed25519_key_is_a_usage_error()
    {
        (await _online.Files.RunAsync("keygen", "enc", "acme")).Expect(0);

        (await _online.RunAsync("vendor-key", "register", "acme", "--key", FluxFormat.EncryptionPublicFile("acme"))).Expect(2);
    }

    /// <summary>A statement as a vendor writes it (docs/ARCHITECTURE.md, Attestation), signed with kid = the key's thumbprint.</summary>
    private static string VendorStatement(string vendor, JsonWebKey key)
    {
        var statement = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["jti"] = UuidV7.NewId().ToString(),
            ["iss"] = "ledger",
            ["vendor"] = vendor,
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["kind"] = "artifacts",
            ["subjects"] = new[] { $"ghcr.io/{vendor}/app@sha256:{new string('3', 64)}" },
        });
        using var signingKey = Ed25519SigningKey.FromJwk(key);
        return Jws.Sign(statement, signingKey, key.Thumbprint(), "attestation+jwt");
    }

    public void Dispose() => _online.Dispose();
}
