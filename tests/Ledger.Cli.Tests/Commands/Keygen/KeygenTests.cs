using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.Keygen;

public sealed class KeygenTests : IDisposable
{
    private const string Issuer = "https://fluxcd.control-plane.io";
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly Workspace _workspace = new();

    [Fact]
    public void the_file_name_prefix_is_the_adler32_of_the_argument_as_flux_writes_it()
    {
        Assert.Equal("bc530bc4", FluxFormat.Prefix("https://fluxcd.control-plane.io"));
        Assert.Equal("6db308f9", FluxFormat.Prefix("fluxcd.control-plane.io"));
    }

    [Fact]
    public async Task keygen_sig_writes_flux_named_sets_sharing_a_uuidv6_kid_with_the_issuer_in_the_private_set()
    {
        var result = (await _workspace.RunAsync("keygen", "sig", Issuer, "--output-dir", "keys", "--output-format", "json")).Expect(0);

        var privatePath = _workspace["keys/bc530bc4-sig-private.jwks"];
        var publicPath = _workspace["keys/bc530bc4-sig-public.jwks"];
        Assert.Equal(Private, File.GetUnixFileMode(privatePath));
        Assert.Equal(Public, File.GetUnixFileMode(publicPath));
        var privateSet = JsonNode.Parse(File.ReadAllText(privatePath))!.AsObject();
        var publicSet = JsonNode.Parse(File.ReadAllText(publicPath))!.AsObject();
        Assert.Equal(Issuer, privateSet["issuer"]!.GetValue<string>());
        Assert.False(publicSet.ContainsKey("issuer"));
        var privateKey = privateSet["keys"]!.AsArray().Single()!.AsObject();
        var publicKey = publicSet["keys"]!.AsArray().Single()!.AsObject();
        foreach (var (member, value) in new[] { ("use", "sig"), ("kty", "OKP"), ("crv", "Ed25519"), ("alg", "EdDSA") })
        {
            Assert.Equal(value, privateKey[member]!.GetValue<string>());
            Assert.Equal(value, publicKey[member]!.GetValue<string>());
        }

        Assert.True(FluxFormat.IsUuidV6(privateKey["kid"]!.GetValue<string>()));
        Assert.Equal(privateKey["kid"]!.GetValue<string>(), publicKey["kid"]!.GetValue<string>());
        Assert.NotNull(privateKey["d"]);
        Assert.Null(publicKey["d"]);
        Assert.Equal(privateKey["kid"]!.GetValue<string>(), result.Json["kid"]!.GetValue<string>());
        Assert.Equal("keys/bc530bc4-sig-private.jwks", result.Json["private_key_file"]!.GetValue<string>());
    }

    [Fact]
    public async Task keygen_enc_writes_a_flux_named_p256_key_pair_bound_to_ecdh_es_a128kw()
    {
        (await _workspace.RunAsync("keygen", "enc", "fluxcd.control-plane.io")).Expect(0);

        var privateSet = JsonNode.Parse(File.ReadAllText(_workspace["6db308f9-enc-private.jwks"]))!.AsObject();
        var key = privateSet["keys"]!.AsArray().Single()!;
        Assert.Equal("enc", key["use"]!.GetValue<string>());
        Assert.Equal("EC", key["kty"]!.GetValue<string>());
        Assert.Equal("P-256", key["crv"]!.GetValue<string>());
        Assert.Equal("ECDH-ES+A128KW", key["alg"]!.GetValue<string>());
        Assert.True(FluxFormat.IsUuidV6(key["kid"]!.GetValue<string>()));
        Assert.Equal(Private, File.GetUnixFileMode(_workspace["6db308f9-enc-private.jwks"]));
        Assert.Equal(Public, File.GetUnixFileMode(_workspace["6db308f9-enc-public.jwks"]));
        Assert.False(JsonWebKeySet.Parse(File.ReadAllText(_workspace["6db308f9-enc-public.jwks"])).HasPrivateKeys);
    }

    [Fact]
    public async Task keygen_client_writes_pubkey_and_privkey_sets_sharing_a_uuidv6_kid_into_a_created_directory()
    {
        var result = (await _workspace.RunAsync("keygen", "client", "-o", "./keys/registry", "--output-format", "json")).Expect(0);

        var privatePath = _workspace["keys/registry/privkey.json"];
        var publicPath = _workspace["keys/registry/pubkey.json"];
        Assert.Equal(Private, File.GetUnixFileMode(privatePath));
        Assert.Equal(Public, File.GetUnixFileMode(publicPath));
        var privateKey = JsonNode.Parse(File.ReadAllText(privatePath))!["keys"]!.AsArray().Single()!;
        var publicKey = JsonNode.Parse(File.ReadAllText(publicPath))!["keys"]!.AsArray().Single()!;
        var kid = privateKey["kid"]!.GetValue<string>();
        Assert.True(FluxFormat.IsUuidV6(kid));
        Assert.Equal(kid, publicKey["kid"]!.GetValue<string>());
        Assert.Equal("sig", publicKey["use"]!.GetValue<string>());
        Assert.Equal("EdDSA", publicKey["alg"]!.GetValue<string>());
        Assert.NotNull(privateKey["d"]);
        Assert.Null(publicKey["d"]);
        var registration = result.Json["registration"]!;
        Assert.Equal(kid, registration["id"]!.GetValue<string>());
        Assert.Equal(kid, registration["keys"]![0]!["kid"]!.GetValue<string>());
        Assert.Null(registration["keys"]![0]!["d"]);
    }

    [Fact]
    public async Task keygen_client_prints_where_it_wrote_both_sets_like_flux_mirror_keygen()
    {
        var result = (await _workspace.RunAsync("keygen", "client", "-o", "./keys/registry")).Expect(0);

        Assert.Contains("private key set written to: ./keys/registry/privkey.json", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("public key set written to: ./keys/registry/pubkey.json", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task keygen_client_defaults_to_the_current_directory()
    {
        (await _workspace.RunAsync("keygen", "client")).Expect(0);

        Assert.True(File.Exists(_workspace["privkey.json"]));
        Assert.True(File.Exists(_workspace["pubkey.json"]));
    }

    [Theory]
    [InlineData("privkey.json")]
    [InlineData("pubkey.json")]
    public async Task keygen_client_refuses_when_either_file_exists_and_writes_nothing(string existing)
    {
        _workspace.Write($"keys/{existing}", "someone else's file");

        var result = (await _workspace.RunAsync("keygen", "client", "-o", "keys")).Expect(2);

        Assert.Contains("already exists", result.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_workspace["keys"]));
        Assert.Equal("someone else's file", File.ReadAllText(_workspace[$"keys/{existing}"]));
    }

    [Fact]
    public async Task keygen_client_removes_the_private_file_when_the_public_write_fails()
    {
        Directory.CreateDirectory(_workspace["keys/pubkey.json"]);

        var result = (await _workspace.RunAsync("keygen", "client", "-o", "keys")).Expect(3);

        Assert.False(File.Exists(_workspace["keys/privkey.json"]));
        Assert.Contains("no half key pair", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task keygen_never_overwrites_an_existing_key_pair()
    {
        (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(0);
        var file = _workspace[FluxFormat.SigningPrivateFile("acme")];
        var before = File.ReadAllText(file);

        var again = (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(2);

        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(file));
    }

    [Fact]
    public async Task keygen_refuses_before_writing_anything_when_only_the_public_file_exists()
    {
        _workspace.Write(FluxFormat.SigningPublicFile("acme"), "someone else's file");

        (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(2);

        Assert.False(File.Exists(_workspace[FluxFormat.SigningPrivateFile("acme")]));
        Assert.Equal("someone else's file", File.ReadAllText(_workspace[FluxFormat.SigningPublicFile("acme")]));
    }

    [Fact]
    public async Task keygen_removes_the_private_key_when_the_public_key_cannot_be_written()
    {
        // A directory where the public file should go: the private file is written first, then the public write fails.
        Directory.CreateDirectory(_workspace[FluxFormat.SigningPublicFile("acme")]);

        var result = (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(3);

        Assert.False(File.Exists(_workspace[FluxFormat.SigningPrivateFile("acme")]));
        Assert.Contains("no half key pair", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("line\nbreak")]
    public async Task keygen_refuses_an_empty_issuer_or_one_with_control_characters(string name)
    {
        var result = (await _workspace.RunAsync("keygen", "sig", name)).Expect(2);

        Assert.Contains("is not valid", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_workspace.Directory));
    }

    [Fact]
    public async Task keygen_json_errors_are_json_on_stdout_too()
    {
        (await _workspace.RunAsync("keygen", "sig", "acme")).Expect(0);

        var result = (await _workspace.RunAsync("keygen", "sig", "acme", "--output-format", "json")).Expect(2);

        Assert.Equal(2, result.Json["exit_code"]!.GetValue<int>());
        Assert.Contains("already exists", result.Json["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    public void Dispose() => _workspace.Dispose();
}
