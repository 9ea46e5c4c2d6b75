using System.Text.RegularExpressions;
using Ledger.Containers.Tests.Support;
using Ledger.Testing.Processes;
using Xunit.Abstractions;

namespace Ledger.Containers.Tests;

/// <summary>
/// The fallback of tests/Ledger.Testing (LedgerInfrastructure): with no LEDGER_TEST_* addresses,
/// a service test class gets PostgreSQL and RabbitMQ from Testcontainers, here with the local
/// images of infra/images/ (no registry answers on these machines), and leaves no container.
/// </summary>
[Collection(DockerCollection.Name)]
[Trait("Category", "Containers")]
public sealed partial class TestcontainersPathTests(DockerEngine engine, ITestOutputHelper output)
{
    private const string TestClass = "Ledger.Revocation.Tests.Features.RevokingTests";

    [Fact]
    public async Task a_service_test_class_passes_on_containers_from_the_local_images()
    {
        var images = (await Command.RunAsync(Path.Combine(BuildOutput.Root, "infra", "images", "build.sh"), [], TimeSpan.FromMinutes(30))).Expect();
        output.WriteLine($"local images ready in {images.Elapsed.TotalSeconds:F0} s");
        var run = $"ledger-test-{Guid.NewGuid():N}";
        var environment = new Dictionary<string, string?>
        {
            // No addresses: LedgerInfrastructure must start containers itself.
            ["LEDGER_TEST_POSTGRES"] = null,
            ["LEDGER_TEST_RABBITMQ"] = null,
            ["LEDGER_TEST_RABBITMQ_MANAGEMENT"] = null,
            ["LEDGER_TEST_POSTGRES_IMAGE"] = "ledger-local/postgres:15",
            ["LEDGER_TEST_RABBITMQ_IMAGE"] = "ledger-local/rabbitmq:3-management",
            ["LEDGER_TEST_CONTAINER_LABEL"] = run,
            // Ryuk, Testcontainers' reaper, is an image to pull; LedgerInfrastructure removes its containers itself.
            ["TESTCONTAINERS_RYUK_DISABLED"] = "true",
            // Testcontainers speaks API 1.44 unless told; Debian 12's engine answers up to 1.41.
            ["DOCKER_API_VERSION"] = engine.ApiVersion,
        };
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

        // The containers that served the run: created from the local images, and gone again.
        var created = await DockerEngine.List(["events", "--since", started, "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(),
            "--filter", "event=create", "--filter", $"label=org.ledger.test-run={run}", "--format", "{{.From}}"]);
        Assert.Equal(["ledger-local/postgres:15", "ledger-local/rabbitmq:3-management"], created.Order());
    }

    private static string BuildConfiguration =>
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/')))!;

    [GeneratedRegex(@"Passed:\s+(\d+)")]
    private static partial Regex PassedCount();
}
