using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.Keygen;

public sealed class KeygenTests : IDisposable
{
    private readonly Workspace _workspace = new();

    [Fact]
    public async Task keygen_sig_writes_a_private_jwks_with_mode_0600_and_a_public_jwks()
    {
        var result = (await _workspace.RunAsync("keygen", "sig", "acme", "--output-dir", "keys", "-o", "json")).Expect(0);

        var privatePath = _workspace["keys/acme-sig.private.jwks"];
        var publicPath = _workspace["keys/acme-sig.public.jwks"];
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privatePath));
        var privateKey = JsonWebKeySet.ParsePrivate(File.ReadAllText(privatePath)).Keys.Single();
        var publicKey = JsonWebKeySet.Parse(File.ReadAllText(publicPath)).Keys.Single();
        Assert.True(privateKey.IsEd25519 && privateKey.HasPrivateKey);
        Assert.Equal($"acme:{publicKey.Thumbprint()}", publicKey.Kid);
        Assert.Equal(privateKey.Kid, publicKey.Kid);
        Assert.Equal(publicKey.Kid, result.Json["kid"]!.GetValue<string>());
        Assert.Equal("keys/acme-sig.private.jwks", result.Json["private_key_file"]!.GetValue<string>());
    }

    [Fact]
    public async Task keygen_enc_writes_a_p256_key_pair_bound_to_ecdh_es()
    {
        (await _workspace.RunAsync("keygen", "enc", "acme")).Expect(0);

        var key = JsonWebKeySet.ParsePrivate(File.ReadAllText(_workspace["acme-enc.private.jwks"])).Keys.Single();
        Assert.True(key.IsP256 && key.HasPrivateKey);
        Assert.Equal(JsonWebKey.AlgorithmEcdhEsA128Kw, key.Alg);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_workspace["acme-enc.private.jwks"]));
        Assert.False(JsonWebKeySet.Parse(File.ReadAllText(_workspace["acme-enc.public.jwks"])).HasPrivateKeys);
    }

    [Fact]
    public async Task keygen_client_writes_one_jwk_per_file_and_prints_its_registry_entry()
    {
        var result = (await _workspace.RunAsync("keygen", "client", "billing", "-o", "json")).Expect(0);

        var privateKey = JsonWebKey.Parse(File.ReadAllText(_workspace["billing-client.private.jwk"]));
        var publicKey = JsonWebKey.Parse(File.ReadAllText(_workspace["billing-client.public.jwk"]));
        Assert.True(privateKey.HasPrivateKey);
        Assert.False(publicKey.HasPrivateKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_workspace["billing-client.private.jwk"]));
        var registration = result.Json["registration"]!;
        Assert.Equal("billing", registration["id"]!.GetValue<string>());
        Assert.Equal(publicKey.Kid, registration["keys"]![0]!["kid"]!.GetValue<string>());
        Assert.Null(registration["keys"]![0]!["d"]);
    }

    [Fact]
    public async Task keygen_never_overwrites_an_existing_key_pair()
    {
        (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(0);
        var before = File.ReadAllText(_workspace["acme-sig.private.jwks"]);

        var again = (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(2);

        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(_workspace["acme-sig.private.jwks"]));
    }

    [Fact]
    public async Task keygen_refuses_before_writing_anything_when_only_the_public_file_exists()
    {
        _workspace.Write("acme-sig.public.jwks", "someone else's file");

        (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(2);

        Assert.False(File.Exists(_workspace["acme-sig.private.jwks"]));
        Assert.Equal("someone else's file", File.ReadAllText(_workspace["acme-sig.public.jwks"]));
    }

    [Fact]
    public async Task keygen_removes_the_private_key_when_the_public_key_cannot_be_written()
    {
        // A directory where the public file should go: the private file is written first, then the public write fails.
        Directory.CreateDirectory(_workspace["acme-sig.public.jwks"]);

        var result = (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(3);

        Assert.False(File.Exists(_workspace["acme-sig.private.jwks"]));
        Assert.Contains("no half key pair", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("has space")]
    public async Task keygen_refuses_names_that_are_not_safe_in_file_names_and_kids(string name)
    {
        var result = (await _workspace.RunAsync("keygen", "sig", name)).Expect(2);

        Assert.Contains("not a valid name", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_workspace.Directory));
    }

    [Fact]
    public async Task keygen_json_errors_are_json_on_stdout_too()
    {
        (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(0);

        var result = (await _workspace.RunAsync("keygen", "sig", "acme", "--output", "json")).Expect(2);

        Assert.Equal(2, result.Json["exit_code"]!.GetValue<int>());
        Assert.Contains("already exists", result.Json["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    public void Dispose() => _workspace.Dispose();
}
