using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;
using Ledger.Testing;

namespace Ledger.Cli.Tests.Commands.Attestations;

/// <summary>
/// <c>sign|verify artifacts</c> with tag-only references: the digest comes from a real OCI registry
/// (docker-registry on 127.0.0.1, plain http as for any local registry), and a registry that is down,
/// slow or lacking the tag is a clear error.
/// </summary>
public sealed class TagResolutionTests(OciRegistry registry) : IClassFixture<OciRegistry>, IDisposable
{
    private readonly IssuerWithKeys _keys = new();

    [Fact]
    public async Task a_tag_is_resolved_to_the_digest_the_registry_serves_and_verifies_by_tag()
    {
        await _keys.InitializeAsync();
        var digest = await registry.PushAsync("acme/app", "v1.0.0");
        var attestation = _keys.NewPath(".jwt");

        var signed = (await _keys.Workspace.RunAsync("sign", "artifacts", "-k", _keys.SigningPrivate, "-a", attestation, "-u", $"oci://{registry.Host}/acme/app:v1.0.0", "--output-format", "json")).Expect(0);

        Assert.Equal([digest], signed.Json["digests"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal($"{registry.Host}/acme/app:v1.0.0@{digest}", signed.Json["artifacts"]![0]!.GetValue<string>());
        (await _keys.Workspace.RunAsync("verify", "artifacts", "-k", _keys.SigningPublic, "-a", attestation, "-u", $"{registry.Host}/acme/app:v1.0.0")).Expect(0);

        // The tag moves: the attestation no longer covers what it names.
        await registry.PushAsync("acme/app", "v1.0.0-moved");
        var moved = await registry.PushAsync("acme/app", "v1.0.0", "rebuilt");
        Assert.NotEqual(digest, moved);
        var result = (await _keys.Workspace.RunAsync("verify", "artifacts", "-k", _keys.SigningPublic, "-a", attestation, "-u", $"{registry.Host}/acme/app:v1.0.0")).Expect(1);
        Assert.Contains($"MISSING  {registry.Host}/acme/app:v1.0.0@{moved}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_tag_the_registry_does_not_have_is_a_usage_error_naming_it()
    {
        await _keys.InitializeAsync();
        var attestation = _keys.NewPath(".jwt");

        var result = (await _keys.Workspace.RunAsync("sign", "artifacts", "-k", _keys.SigningPrivate, "-a", attestation, "-u", $"{registry.Host}/acme/absent:v9")).Expect(2);

        Assert.Contains($"The registry {registry.Host} has no manifest for {registry.Host}/acme/absent:v9", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(attestation));
    }

    [Fact]
    public async Task a_registry_that_is_down_is_a_server_error_naming_it()
    {
        await _keys.InitializeAsync();
        var port = FreePorts.Next();

        var result = (await _keys.Workspace.RunAsync("sign", "artifacts", "-k", _keys.SigningPrivate, "-a", _keys.NewPath(".jwt"), "-u", $"127.0.0.1:{port}/acme/app:v1")).Expect(3);

        Assert.Contains($"The registry 127.0.0.1:{port} cannot be reached", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_registry_that_does_not_answer_in_time_is_a_server_error_after_timeout()
    {
        await _keys.InitializeAsync();
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var result = (await _keys.Workspace.RunAsync("verify", "artifacts", "-k", _keys.SigningPublic, "-a", "unused.jwt", "-u", $"127.0.0.1:{port}/acme/app:v1", "--timeout", "1")).Expect(3);

        Assert.Contains("did not answer within 1 s", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_mirror_serves_the_tags_of_the_registry_it_stands_for()
    {
        await _keys.InitializeAsync();
        var digest = await registry.PushAsync("fluxcd/source-controller", "v1.6.2");

        var signed = (await _keys.Workspace.Tool.With("LEDGER_REGISTRY_MIRRORS", $"ghcr.io={registry.BaseUri}")
            .RunAsync("sign", "artifacts", "-k", _keys.SigningPrivate, "-a", _keys.NewPath(".jwt"), "-u", "ghcr.io/fluxcd/source-controller:v1.6.2", "--output-format", "json")).Expect(0);

        Assert.Equal($"ghcr.io/fluxcd/source-controller:v1.6.2@{digest}", signed.Json["artifacts"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task basic_credentials_come_from_the_docker_config()
    {
        await _keys.InitializeAsync();
        // bcrypt of "s3cret" (cost 5), as htpasswd -B writes it.
        var guarded = OciRegistry.WithLogin("ci", "s3cret", "$2a$05$SOuRYtiPhwnXbPthZh.fM.UXUFtu45.TaCrc4lTJD8MvbY3/8Hwci");
        await guarded.InitializeAsync();
        try
        {
            await CredentialsFromDockerConfigAsync(guarded);
        }
        finally
        {
            await guarded.DisposeAsync();
        }
    }

    public void Dispose() => _keys.DisposeAsync().GetAwaiter().GetResult();

    private async Task CredentialsFromDockerConfigAsync(OciRegistry guarded)
    {
        var digest = await guarded.PushAsync("acme/private", "v1");
        var dockerConfig = _keys.Workspace["docker"];
        Directory.CreateDirectory(dockerConfig);
        var tool = _keys.Workspace.Tool.With("DOCKER_CONFIG", dockerConfig).With("LEDGER_REGISTRY_MIRRORS", $"registry.example={guarded.BaseUri}");

        var anonymous = (await tool.RunAsync("sign", "artifacts", "-k", _keys.SigningPrivate, "-a", _keys.NewPath(".jwt"), "-u", "registry.example/acme/private:v1")).Expect(2);
        Assert.Contains("docker login registry.example", anonymous.Stderr, StringComparison.Ordinal);

        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("ci:s3cret"));
        File.WriteAllText(Path.Combine(dockerConfig, "config.json"), new JsonObject { ["auths"] = new JsonObject { ["registry.example"] = new JsonObject { ["auth"] = auth } } }.ToJsonString());
        var signed = (await tool.RunAsync("sign", "artifacts", "-k", _keys.SigningPrivate, "-a", _keys.NewPath(".jwt"), "-u", "registry.example/acme/private:v1", "--output-format", "json")).Expect(0);
        Assert.Equal([digest], signed.Json["digests"]!.AsArray().Select(d => d!.GetValue<string>()));
    }
}
