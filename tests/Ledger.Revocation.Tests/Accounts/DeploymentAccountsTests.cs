using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.Testing.Processes;

namespace Ledger.Revocation.Tests.Accounts;

/// <summary>
/// k8s and compose give each service the same accounts `make run` does: the RabbitMQ permissions in
/// infra/k8s/base/rabbitmq.yaml are the ones infra/lib.sh computes (which ServiceAccountTests shows the
/// broker enforcing), and each Deployment reads only its own service's credentials.
/// </summary>
public sealed partial class DeploymentAccountsTests
{
    private static readonly string[] Services = ["notary", "issuance", "revocation", "attestation"];

    [Fact]
    public async Task The_k8s_permissions_of_each_services_rabbitmq_user_are_the_ones_make_run_sets()
    {
        var manifest = await File.ReadAllTextAsync(Path.Combine(BuildOutput.Root, "infra", "k8s", "base", "rabbitmq.yaml"));
        foreach (var service in Services)
        {
            using var expected = JsonDocument.Parse(await RabbitPermissionsAsync(service));
            var block = manifest[manifest.IndexOf($"kind: Permission\nmetadata:\n  name: ledger-mq-{service}\n", StringComparison.Ordinal)..];
            foreach (var kind in new[] { "configure", "write", "read" })
            {
                var declared = Regex.Match(block, $"\\n    {kind}: '([^']*)'").Groups[1].Value;
                Assert.Equal(expected.RootElement.GetProperty(kind).GetString(), declared);
            }
        }
    }

    [Fact]
    public async Task Each_k8s_deployment_and_compose_service_reads_only_its_own_services_credentials()
    {
        var compose = await File.ReadAllTextAsync(Path.Combine(BuildOutput.Root, "docker-compose.yml"));
        Assert.DoesNotContain("Username=ledger;", compose, StringComparison.Ordinal);
        foreach (var service in Services)
        {
            var deployment = await File.ReadAllTextAsync(Path.Combine(BuildOutput.Root, "infra", "k8s", "base", service + ".yaml"));
            var secrets = SecretReference().Matches(deployment).Select(m => m.Groups[1].Value).ToHashSet();
            Assert.Equal(new HashSet<string> { $"ledger-db-{service}", $"ledger-mq-{service}" }, secrets);
            Assert.Contains($"/{service}.env\"]", compose, StringComparison.Ordinal);
        }
    }

    private static async Task<string> RabbitPermissionsAsync(string service)
    {
        var start = new ProcessStartInfo("bash", ["-c", $". infra/lib.sh && rabbit_permissions {service}"])
        {
            WorkingDirectory = BuildOutput.Root,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    [GeneratedRegex(@"secretKeyRef: \{ name: (ledger-(?:db|mq)-[a-z]+),")]
    private static partial Regex SecretReference();
}
