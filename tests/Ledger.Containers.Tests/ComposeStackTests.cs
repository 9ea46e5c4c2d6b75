using Ledger.Containers.Tests.Support;
using Ledger.Testing;
using Ledger.Testing.Processes;
using Xunit.Abstractions;

namespace Ledger.Containers.Tests;

/// <summary>
/// docker-compose.yml from nothing, as `make compose-up` runs it: images (local ones where no
/// registry answers), the stack up and healthy, a license issued and revoked through the
/// containers with ledgerctl, the feed pulled and verified, then everything the test created
/// removed. The stack is a project of its own on free ports of 127.0.0.1, never the defaults
/// (native servers and `make run` may hold those).
/// </summary>
[Collection(DockerCollection.Name)]
[Trait("Category", "Containers")]
public sealed class ComposeStackTests(DockerEngine engine, ITestOutputHelper output)
{
    private static readonly string[] Services = ["notary", "issuance", "revocation", "attestation"];
    private static readonly string[] Expected = ["postgres", "rabbitmq", "prometheus", .. Services];

    [Fact]
    public async Task compose_stack_issues_revokes_and_serves_a_verified_feed_through_published_ports()
    {
        var project = $"ledgertest{Guid.NewGuid():N}"[..18];
        var state = Directory.CreateTempSubdirectory("ledger-compose-test-").FullName;
        var ports = FreePorts.Take(16);
        var (revocationHttp, prometheus) = (ports[6], ports[11]);
        var environment = new Dictionary<string, string?>
        {
            ["COMPOSE_PROJECT_NAME"] = project,
            ["LEDGER_COMPOSE_STATE"] = state,
            ["LEDGER_COMPOSE_SECRETS"] = null,
            ["LEDGER_COMPOSE_PROFILES"] = "full observability",
            ["LEDGER_PG_PORT"] = ports[0].ToString(),
            ["LEDGER_RABBITMQ_PORT"] = ports[1].ToString(),
            ["LEDGER_RABBITMQ_MANAGEMENT_PORT"] = ports[2].ToString(),
            ["LEDGER_NOTARY_HTTP_PORT"] = ports[3].ToString(),
            ["LEDGER_NOTARY_GRPC_PORT"] = ports[4].ToString(),
            ["LEDGER_ISSUANCE_GRPC_PORT"] = ports[5].ToString(),
            ["LEDGER_REVOCATION_HTTP_PORT"] = revocationHttp.ToString(),
            ["LEDGER_REVOCATION_GRPC_PORT"] = ports[7].ToString(),
            ["LEDGER_ATTESTATION_GRPC_PORT"] = ports[8].ToString(),
            ["LEDGER_ISSUANCE_HTTP_PORT"] = ports[9].ToString(),
            ["LEDGER_ATTESTATION_HTTP_PORT"] = ports[10].ToString(),
            ["LEDGER_PROMETHEUS_PORT"] = prometheus.ToString(),
            ["LEDGER_NOTARY_METRICS_PORT"] = ports[12].ToString(),
            ["LEDGER_ISSUANCE_METRICS_PORT"] = ports[13].ToString(),
            ["LEDGER_REVOCATION_METRICS_PORT"] = ports[14].ToString(),
            ["LEDGER_ATTESTATION_METRICS_PORT"] = ports[15].ToString(),
        };
        output.WriteLine($"compose project {project} (engine API {engine.ApiVersion}), state {state}, ports {string.Join(',', ports)}");

        try
        {
            // Bounded: a cold build (no image cached) takes minutes on two cores; a warm one seconds.
            var build = (await Command.RunAsync(DockerEngine.Script, ["build"], TimeSpan.FromMinutes(40), environment)).Expect();
            output.WriteLine($"images built in {build.Elapsed.TotalSeconds:F0} s");
            var up = (await Command.RunAsync(DockerEngine.Script, ["up", "--no-build"], TimeSpan.FromMinutes(10), environment)).Expect();
            output.WriteLine($"stack started and healthy in {up.Elapsed.TotalSeconds:F0} s");

            await every_container_is_healthy_and_the_services_run_as_the_non_root_user(project);
            await a_license_is_issued_verified_revoked_and_the_feed_says_so(state, ports, revocationHttp);
            await prometheus_scrapes_every_service(prometheus);
        }
        finally
        {
            var down = await Command.RunAsync(DockerEngine.Script, ["down", "--volumes"], TimeSpan.FromMinutes(5), environment);
            output.WriteLine($"stack removed in {down.Elapsed.TotalSeconds:F0} s (exit {down.ExitCode})");
            Directory.Delete(state, recursive: true);
            down.Expect();
        }

        var label = $"label=com.docker.compose.project={project}";
        Assert.Empty(await DockerEngine.List(["ps", "-aq", "--filter", label]));
        Assert.Empty(await DockerEngine.List(["network", "ls", "-q", "--filter", label]));
        Assert.Empty(await DockerEngine.List(["volume", "ls", "-q", "--filter", label]));
    }

    private async Task every_container_is_healthy_and_the_services_run_as_the_non_root_user(string project)
    {
        var containers = await DockerEngine.List(["ps", "-aq", "--filter", $"label=com.docker.compose.project={project}"]);
        var byService = new Dictionary<string, string>();
        foreach (var id in containers)
        {
            var fields = (await DockerEngine.Docker(["inspect", "-f",
                "{{index .Config.Labels \"com.docker.compose.service\"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}no-healthcheck{{end}}", id]))
                .Expect().Output.Trim().Split(' ');
            output.WriteLine($"  {fields[0],-12} {fields[1]} {fields[2]}");
            if (fields[0] == "accounts")
            {
                // The one-shot that made each service's database role: done, successfully.
                Assert.Equal("exited", fields[1]);
                Assert.Equal("0", (await DockerEngine.Docker(["inspect", "-f", "{{.State.ExitCode}}", id])).Expect().Output.Trim());
                continue;
            }

            Assert.Equal(("running", "healthy"), (fields[1], fields[2]));
            byService[fields[0]] = id;
        }

        Assert.Equal(Expected.Order(), byService.Keys.Order());
        foreach (var service in Services)
        {
            var uid = (await DockerEngine.Docker(["exec", byService[service], "id", "-u"])).Expect().Output.Trim();
            Assert.Equal("1654", uid);
            var serviceProcess = (await DockerEngine.Docker(["exec", byService[service], "stat", "-c", "%u", "/proc/1"])).Expect().Output.Trim();
            output.WriteLine($"  {service,-12} exec as uid {uid}, the service (process 1) as uid {serviceProcess}");
            Assert.Equal("1654", serviceProcess);
        }
    }

    private async Task a_license_is_issued_verified_revoked_and_the_feed_says_so(string state, int[] ports, int revocationHttp)
    {
        var workspace = Directory.CreateDirectory(Path.Combine(state, "ledgerctl")).FullName;
        var ledgerctl = new Dictionary<string, string?>
        {
            ["LEDGER_CLIENT_KEY"] = Path.Combine(state, "clients", "admin.private.jwk"),
            ["LEDGER_NOTARY_URL"] = $"http://127.0.0.1:{ports[4]}",
            ["LEDGER_ISSUANCE_URL"] = $"http://127.0.0.1:{ports[5]}",
            ["LEDGER_REVOCATION_URL"] = $"http://127.0.0.1:{ports[7]}",
            ["LEDGER_ATTESTATION_URL"] = $"http://127.0.0.1:{ports[8]}",
            ["LEDGER_STATE_DIR"] = Path.Combine(workspace, "state"),
        };
        Task<Command.Result> Run(params string[] args) =>
            Command.RunAsync("dotnet", args.Prepend(BuildOutput.Ledgerctl), TimeSpan.FromMinutes(2), ledgerctl, workspace);
        var feed = $"http://127.0.0.1:{revocationHttp}/feeds/revocations";

        var health = (await Run("health")).Expect();
        Assert.Equal(4, health.Output.Split('\n').Count(l => l.Contains("SERVING", StringComparison.Ordinal)));

        var jwks = (await Run("keys", "jwks")).Expect();
        await File.WriteAllTextAsync(Path.Combine(workspace, "ledger.jwks"), jwks.Output);
        (await Run("license", "issue", "--customer-id", "acme-42", "--customer-name", "Acme Corp", "--product", "flux-enterprise",
            "--audience", "acme-app", "--capabilities", "sso,fips", "--duration", "365", "--license-key-file", "acme-42.jwt")).Expect();
        var valid = (await Run("verify", "license-key", "acme-42.jwt", "--key", "ledger.jwks", "--issuer", "ledger",
            "--audience", "acme-app", "--feed", feed)).Expect();
        Assert.StartsWith("Valid:", valid.Output, StringComparison.Ordinal);

        var revoked = (await Run("license", "revoke", "--license-key", "acme-42.jwt", "--reason", "key_compromise", "--comment", "compose test")).Expect();
        Assert.StartsWith("Revoked license", revoked.Output, StringComparison.Ordinal);

        // The feed is a projection of the revocation stream: give it a moment to include the entry.
        Command.Result verified;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            (await Run("feed", "pull", "--feed-file", "feed.jws")).Expect();
            verified = (await Run("feed", "verify", "feed.jws", "--key", "ledger.jwks", "--issuer", "ledger", "--state-dir", $"feed-state-{Guid.NewGuid():N}")).Expect();
        }
        while (!verified.Output.Contains("1 revoked", StringComparison.Ordinal) && DateTime.UtcNow < deadline && await Pause());
        Assert.Contains("1 revoked", verified.Output, StringComparison.Ordinal);

        var refused = (await Run("verify", "license-key", "acme-42.jwt", "--key", "ledger.jwks", "--issuer", "ledger",
            "--audience", "acme-app", "--feed", feed)).Expect(1);
        Assert.StartsWith("Revoked:", refused.Output, StringComparison.Ordinal);
        output.WriteLine($"  ledgerctl: issued, valid, revoked; feed verified: {verified.Output.Split('\n')[0]}");
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(1000);
        return true;
    }

    private async Task prometheus_scrapes_every_service(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string targets;
        do
        {
            targets = await http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/targets?state=active");
            if (Services.All(s => targets.Contains($"\"instance\":\"{s}:8180\"", StringComparison.Ordinal)) &&
                !targets.Contains("\"health\":\"unknown\"", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(2000);
        }
        while (DateTime.UtcNow < deadline);

        Assert.All(Services, s => Assert.Contains($"\"instance\":\"{s}:8180\"", targets, StringComparison.Ordinal));
        Assert.DoesNotContain("\"health\":\"down\"", targets, StringComparison.Ordinal);
        Assert.DoesNotContain("\"health\":\"unknown\"", targets, StringComparison.Ordinal);
    }
}
