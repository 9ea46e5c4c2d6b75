using System.Text.RegularExpressions;
using Ledger.Containers.Tests.Support;
using Ledger.Testing.Processes;
using Xunit.Abstractions;

namespace Ledger.Containers.Tests;

/// <summary>
/// The fallback of tests/Ledger.Testing (LedgerInfrastructure): with no LEDGER_TEST_* addresses,
/// a service test class gets PostgreSQL and RabbitMQ from Testcontainers, with the images
/// `make compose-up` would use (here: the local ones of infra/images/, as no registry answers on
/// these machines), and leaves no container.
/// </summary>
[Collection(DockerCollection.Name)]
[Trait("Category", "Containers")]
public sealed partial class TestcontainersPathTests(DockerEngine engine, ITestOutputHelper output)
{
    private const string TestClass = "Ledger.Revocation.Tests.Features.RevokingTests";

    [Fact]
    public async Task a_service_test_class_passes_on_testcontainers_and_leaves_no_container()
    {
        // The images `make compose-up` would use: the official ones where a registry answers,
        // else the local ones, built (or found up to date) by infra/images/build.sh.
        var chosen = (await Command.RunAsync(DockerEngine.Script, ["images"], TimeSpan.FromMinutes(30))).Expect();
        var images = chosen.Output.Split('\n').Select(l => l.Trim().Split('=', 2)).Where(p => p.Length == 2 && p[0].StartsWith("LEDGER_", StringComparison.Ordinal))
            .ToDictionary(p => p[0], p => p[1]);
        var local = images["LEDGER_IMAGES"] == "local";
        output.WriteLine($"{images["LEDGER_IMAGES"]} images {images["LEDGER_POSTGRES_IMAGE"]}, {images["LEDGER_RABBITMQ_IMAGE"]}, ready in {chosen.Elapsed.TotalSeconds:F0} s");
        var run = $"ledger-test-{Guid.NewGuid():N}";
        var environment = new Dictionary<string, string?>
        {
            // No addresses: LedgerInfrastructure must start containers itself.
            ["LEDGER_TEST_POSTGRES"] = null,
            ["LEDGER_TEST_RABBITMQ"] = null,
            ["LEDGER_TEST_RABBITMQ_MANAGEMENT"] = null,
            ["LEDGER_TEST_POSTGRES_IMAGE"] = images["LEDGER_POSTGRES_IMAGE"],
            ["LEDGER_TEST_RABBITMQ_IMAGE"] = images["LEDGER_RABBITMQ_IMAGE"],
            ["LEDGER_TEST_CONTAINER_LABEL"] = run,
        };
        if (local)
        {
            // Ryuk, Testcontainers' reaper, is an image to pull; LedgerInfrastructure removes its containers itself.
            environment["TESTCONTAINERS_RYUK_DISABLED"] = "true";
        }

        if (Version.Parse(engine.ApiVersion) < new Version(1, 44))
        {
            // Testcontainers speaks API 1.44 unless told; Debian 12's engine answers up to 1.41.
            environment["DOCKER_API_VERSION"] = engine.ApiVersion;
        }

        var project = Path.Combine(BuildOutput.Root, "tests", "Ledger.Revocation.Tests");

        var started = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds().ToString();
        var tests = await Command.RunAsync("dotnet",
            ["test", project, "-c", BuildConfiguration, "--no-build", "--filter", $"FullyQualifiedName~{TestClass}"],
            TimeSpan.FromMinutes(15), environment);
        output.WriteLine($"{TestClass} on Testcontainers: exit {tests.ExitCode} in {tests.Elapsed.TotalSeconds:F0} s");
        output.WriteLine(tests.Output.Split('\n').LastOrDefault(l => l.Contains("Passed!") || l.Contains("Failed!")) ?? tests.Output);

        // The test host removes its containers as it exits, with a `docker rm` that may still run.
        string[] leftovers;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((leftovers = await DockerEngine.List(["ps", "-aq", "--filter", $"label=org.ledger.test-run={run}"])).Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
        }

        if (leftovers.Length > 0)
        {
            await DockerEngine.Docker(["rm", "-f", "-v", .. leftovers]);
        }

        tests.Expect();
        var passed = int.Parse(PassedCount().Match(tests.Output).Groups[1].Value);
        Assert.True(passed > 0, $"no test of {TestClass} ran:\n{tests.Output}");
        Assert.Contains("Failed:     0", tests.Output, StringComparison.Ordinal);
        Assert.Empty(leftovers);

        // The containers that served the run: created from those images, labelled for this run, gone again.
        var created = await DockerEngine.List(["events", "--since", started, "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(),
            "--filter", "event=create", "--filter", $"label=org.ledger.test-run={run}", "--format", "{{.From}}"]);
        Assert.Equal(new[] { images["LEDGER_POSTGRES_IMAGE"], images["LEDGER_RABBITMQ_IMAGE"] }.Order(), created.Order());
    }

    private static string BuildConfiguration =>
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/')))!;

    [GeneratedRegex(@"Passed:\s+(\d+)")]
    private static partial Regex PassedCount();
}
