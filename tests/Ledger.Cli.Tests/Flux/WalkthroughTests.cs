using System.Diagnostics;
using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;
using Ledger.Crypto;
using Ledger.Testing.Processes;
using Ledger.Testing;

namespace Ledger.Cli.Tests.Flux;

/// <summary>
/// The Flux Operator LKM walkthrough (flux-operator-lkm.sh: the page's commands verbatim, ledgerctl in
/// place of the Flux binary) run by bash as a process, from mkdir to the clean-up. ledgerctl is a shell
/// function that records each call's arguments, exit code and output; <c>rm</c> keeps a copy of
/// bin/distro before the clean-up removes it, so the files and their modes can be checked afterwards.
/// The page's artifact commands name ghcr.io tags: against a registry that is down they fail naming
/// it (exit 3); against a registry serving those tags (a real one, through $LEDGER_REGISTRY_MIRRORS)
/// they succeed.
/// </summary>
public sealed class WalkthroughTests(OciRegistry registry) : IClassFixture<OciRegistry>, IDisposable
{
    private static readonly string[] FluxImages =
    [
        "fluxcd/source-controller:v1.6.2",
        "fluxcd/kustomize-controller:v1.6.1",
        "fluxcd/notification-controller:v1.6.0",
        "fluxcd/helm-controller:v1.3.0",
        "fluxcd/image-reflector-controller:v0.35.2",
        "fluxcd/image-automation-controller:v0.41.2",
    ];

    private readonly Workspace _workspace = new();

    [Fact]
    public async Task the_walkthrough_runs_verbatim_against_a_registry_serving_its_tags()
    {
        var digests = new List<string>();
        foreach (var image in FluxImages)
        {
            var colon = image.LastIndexOf(':');
            digests.Add(await registry.PushAsync(image[..colon], image[(colon + 1)..]));
        }

        var calls = await RunWalkthroughAsync($"ghcr.io={registry.BaseUri}");

        Assert.Equal(
            ["keygen enc", "keygen sig", "sign license-key", "verify license-key", "revoke license-key", "verify license-key", "sign artifacts", "verify artifacts",
             "sign manifests", "verify manifests", "encrypt token", "decrypt token", "encrypt manifests", "decrypt manifests"],
            calls.Select(c => c.Command));
        Assert.Equal([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], calls.Select(c => c.ExitCode));
        Assert.StartsWith("Revoked:", calls[5].Stdout, StringComparison.Ordinal);
        Assert.StartsWith("Valid:", calls[7].Stdout, StringComparison.Ordinal);

        var distro = _workspace["snapshot/distro"];
        var attestation = ReadClaims(File.ReadAllText(Path.Combine(distro, "attestations/flux-v2.6.4.jwt")).Trim());
        Assert.Equal("artifacts", attestation["sub"]!.GetValue<string>());
        Assert.Equal(digests, attestation["digests"]!.AsArray().Select(d => d!.GetValue<string>()));
        AssertFilesOfTheWalkthrough(distro);
        AssertCleanedUp();
    }

    [Fact]
    public async Task the_walkthrough_runs_verbatim_and_its_artifact_commands_fail_naming_a_registry_that_is_down()
    {
        var calls = await RunWalkthroughAsync($"ghcr.io=http://127.0.0.1:{FreePorts.Next()}");

        Assert.Equal([0, 0, 0, 0, 0, 1, 3, 3, 0, 0, 0, 0, 0, 0], calls.Select(c => c.ExitCode));
        foreach (var call in calls.Where(c => c.Command.EndsWith("artifacts", StringComparison.Ordinal)))
        {
            Assert.Contains("The registry ghcr.io cannot be reached", call.Stderr, StringComparison.Ordinal);
            Assert.Single(call.Stderr.Trim().Split('\n'));
        }

        Assert.False(File.Exists(_workspace["snapshot/distro/attestations/flux-v2.6.4.jwt"]));
        AssertFilesOfTheWalkthrough(_workspace["snapshot/distro"]);
        AssertCleanedUp();
    }

    public void Dispose() => _workspace.Dispose();

    private void AssertFilesOfTheWalkthrough(string distro)
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        Assert.Equal(
            ["6db308f9-enc-private.jwks", "6db308f9-enc-public.jwks", "bc530bc4-sig-private.jwks", "bc530bc4-sig-public.jwks"],
            Directory.GetFiles(Path.Combine(distro, "keys")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(distro, "keys/bc530bc4-sig-private.jwks")));
        Assert.Equal(Public, File.GetUnixFileMode(Path.Combine(distro, "keys/bc530bc4-sig-public.jwks")));

        var license = File.ReadAllText(Path.Combine(distro, "licenses/cp-license.jwt")).Trim();
        var header = JsonNode.Parse(FluxFormat.FromBase64Url(license.Split('.')[0]))!;
        Assert.Equal("JWT", header["typ"]!.GetValue<string>());
        Assert.Equal("EdDSA", header["alg"]!.GetValue<string>());
        var claims = ReadClaims(license);
        Assert.Equal("https://fluxcd.control-plane.io", claims["iss"]!.GetValue<string>());
        Assert.Equal(FluxFormat.Subject("ControlPlane Group Limited"), claims["sub"]!.GetValue<string>());
        Assert.Equal(["flux-operator"], claims["aud"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["feature1", "feature2"], claims["caps"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.True(FluxFormat.IsUuidV6(claims["jti"]!.GetValue<string>()));
        Assert.Equal(365L * 86400, claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());

        var revocations = JsonNode.Parse(File.ReadAllText(Path.Combine(distro, "licenses/revocations.json")))!;
        Assert.Equal("https://fluxcd.control-plane.io", revocations["issuer"]!.GetValue<string>());
        Assert.NotNull(revocations["keys"]![claims["jti"]!.GetValue<string>()]);

        var manifests = ReadClaims(File.ReadAllText(Path.Combine(distro, "attestations/api-source.jwt")).Trim());
        Assert.Equal("manifests", manifests["sub"]!.GetValue<string>());
        Assert.Equal(DirectoryHash.Compute(_workspace["api"]), manifests["digests"]![0]!.GetValue<string>());

        Assert.Equal(license, File.ReadAllText(Path.Combine(distro, "secrets/cp-license.jwt")).Trim());
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(distro, "secrets/cp-license.jwt")));
        Assert.Equal(File.ReadAllText(_workspace["api/source.yaml"]), File.ReadAllText(Path.Combine(distro, "secrets/api-source/source.yaml")));
        Assert.Equal(File.ReadAllText(_workspace["api/v1/kustomization.yaml"]), File.ReadAllText(Path.Combine(distro, "secrets/api-source/v1/kustomization.yaml")));
    }

    private void AssertCleanedUp()
    {
        Assert.False(Directory.Exists(_workspace["bin/distro"]));
        Assert.DoesNotContain("FLUX_DISTRO_", File.ReadAllText(_workspace["snapshot/env-at-exit"]), StringComparison.Ordinal);
    }

    private static JsonNode ReadClaims(string jws) => JsonNode.Parse(FluxFormat.FromBase64Url(jws.Split('.')[1]))!;

    private async Task<IReadOnlyList<Call>> RunWalkthroughAsync(string mirrors)
    {
        _workspace.Write("api/source.yaml", "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n");
        _workspace.Write("api/v1/kustomization.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n");
        var calls = _workspace["calls"];
        var snapshot = _workspace["snapshot"];
        Directory.CreateDirectory(calls);
        Directory.CreateDirectory(snapshot);
        var prelude = _workspace.Write("prelude.sh", $$"""
            n=0
            ledgerctl() {
              n=$((n + 1))
              printf '%s\n' "$@" > "{{calls}}/$n.args"
              dotnet "{{BuildOutput.Ledgerctl}}" "$@" > "{{calls}}/$n.out" 2> "{{calls}}/$n.err"
              local rc=$?
              printf '%s' "$rc" > "{{calls}}/$n.rc"
              return $rc
            }
            rm() {
              if [ "$*" = "-rf bin/distro" ]; then cp -a bin/distro "{{snapshot}}/distro"; fi
              command rm "$@"
            }
            trap 'env > "{{snapshot}}/env-at-exit"' EXIT
            """);
        var script = Path.Combine(BuildOutput.Root, "tests", "Ledger.Cli.Tests", "Flux", "flux-operator-lkm.sh");
        var start = new ProcessStartInfo("bash", ["-c", $". '{prelude}'; . '{script}'"])
        {
            WorkingDirectory = _workspace.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("LEDGER_", StringComparison.Ordinal) || k.StartsWith("FLUX_DISTRO_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["LEDGER_STATE_DIR"] = _workspace[".state"];
        start.Environment["LEDGER_REGISTRY_MIRRORS"] = mirrors;
        start.Environment["DOCKER_CONFIG"] = _workspace["docker-config"];
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var bash = Process.Start(start)!;
        var stdout = bash.StandardOutput.ReadToEndAsync();
        var stderr = bash.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await bash.WaitForExitAsync(timeout.Token);
        Assert.True(bash.ExitCode == 0, $"bash exited {bash.ExitCode}\n{await stdout}\n{await stderr}");

        return [.. Enumerable.Range(1, Directory.GetFiles(calls, "*.rc").Length).Select(i => new Call(
            string.Join(' ', File.ReadAllLines(Path.Combine(calls, $"{i}.args")).Take(2)),
            int.Parse(File.ReadAllText(Path.Combine(calls, $"{i}.rc")), System.Globalization.CultureInfo.InvariantCulture),
            File.ReadAllText(Path.Combine(calls, $"{i}.out")),
            File.ReadAllText(Path.Combine(calls, $"{i}.err"))))];
    }

    private sealed record Call(string Command, int ExitCode, string Stdout, string Stderr);
}
