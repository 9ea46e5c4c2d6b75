using Ledger.Cli.Tests.Support;

namespace Ledger.Cli.Tests.Commands.Health;

[Collection(RunningLedgerCollection.Name)]
public sealed class HealthTests(RunningLedger ledger) : IDisposable
{
    private readonly Workspace _workspace = new();

    [Fact]
    public async Task health_reports_every_running_service_as_serving()
    {
        var result = (await ledger.Tool(_workspace).RunAsync("health", "--output-format", "json")).Expect(0);

        Assert.True(result.Json["healthy"]!.GetValue<bool>());
        var services = result.Json["services"]!.AsArray().Select(s => (s!["service"]!.GetValue<string>(), s["status"]!.GetValue<string>())).ToList();
        Assert.Equal([("notary", "SERVING"), ("issuance", "SERVING"), ("revocation", "SERVING"), ("attestation", "SERVING")], services);
    }

    [Fact]
    public async Task health_names_an_unreachable_service_and_exits_3()
    {
        var result = (await ledger.Tool(_workspace).RunAsync("health", "--service", "issuance", "--issuance", "http://127.0.0.1:9", "--timeout", "3")).Expect(3);

        Assert.Contains("UNREACHABLE", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task health_checks_each_replica_address_of_a_service_on_its_own()
    {
        var issuance = ledger.Issuance.GrpcUrl;
        var result = (await ledger.Tool(_workspace).RunAsync(
            "health", "--service", "issuance", "--issuance", $"{issuance},http://127.0.0.1:9", "--timeout", "30", "--output-format", "json")).Expect(3);

        Assert.False(result.Json["healthy"]!.GetValue<bool>());
        var checks = result.Json["services"]!.AsArray().Select(s => (s!["service"]!.GetValue<string>(), s["address"]!.GetValue<string>(), s["status"]!.GetValue<string>())).ToList();
        Assert.Equal([("issuance", new Uri(issuance).ToString(), "SERVING"), ("issuance", "http://127.0.0.1:9/", "UNREACHABLE")], checks);
    }

    public void Dispose() => _workspace.Dispose();
}
