using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Health.V1;
using Ledger.Cli.Online;

namespace Ledger.Cli.Commands.Health;

/// <summary>
/// <c>ledgerctl health</c>: the standard gRPC health check (grpc.health.v1) of each service. A
/// service's address may be a comma-separated list (its replicas, e.g. behind a load balancer):
/// each address is checked on its own connection, so every replica is seen.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var urls = LedgerService.All.ToDictionary(
            s => s,
            s => new Option<string>($"--{s.Name}") { Description = $"{s.Title}'s gRPC address, or its replicas' addresses separated by commas (each checked). Default: ${s.Variable}, else {s.DefaultUrl}.", HelpName = "URL[,URL...]" });
        var only = new Option<string[]>("--service") { Description = $"Check only these services ({string.Join(", ", LedgerService.All.Select(s => s.Name))}); repeatable.", HelpName = "NAME" };
        only.CompletionSources.Add([.. LedgerService.All.Select(s => s.Name)]);
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each service.", DefaultValueFactory = _ => 5, HelpName = "SECONDS" };
        var command = new CliCommand("health", "Ask each service whether it is SERVING (ready: its PostgreSQL reachable; RabbitMQ is not part of readiness, see /health/publishing). Exit 0 when all are, 3 otherwise.",
            "ledgerctl health",
            "ledgerctl health --service issuance --issuance http://127.0.0.1:5021",
            "ledgerctl health --service notary --notary http://127.0.0.1:6143,http://127.0.0.1:6145");
        foreach (var option in urls.Values)
        {
            command.Add(option);
        }

        command.Add(only);
        command.Add(timeout);
        command.Handle(async run =>
        {
            var selected = run.Get(only) is { Length: > 0 } names
                ? names.Select(n => LedgerService.All.FirstOrDefault(s => s.Name == n) ?? throw CliFailure.Usage($"Unknown service '{n}'; services are {string.Join(", ", LedgerService.All.Select(s => s.Name))}.")).Distinct().ToList()
                : [.. LedgerService.All];
            var seconds = run.Get(timeout);
            if (seconds is < 1 or > 300)
            {
                throw CliFailure.Usage($"--timeout {seconds} is out of range: give 1 to 300 seconds.");
            }

            var endpoints = selected.SelectMany(service => Endpoints(service, run.Get(urls[service]))).ToList();
            var checks = await Task.WhenAll(endpoints.Select(endpoint => CheckAsync(endpoint, TimeSpan.FromSeconds(seconds), run.Cancellation)));
            var json = new JsonObject
            {
                ["healthy"] = checks.All(c => c.Status == "SERVING"),
                ["services"] = new JsonArray([.. checks.Select(c => (JsonNode)new JsonObject { ["service"] = c.Endpoint.Service.Name, ["address"] = c.Endpoint.Address.ToString(), ["status"] = c.Status, ["detail"] = c.Detail })]),
            };
            var text = new StringBuilder();
            foreach (var check in checks)
            {
                text.AppendLine($"{check.Endpoint.Service.Name,-12} {check.Status,-16} {check.Endpoint.Address}{(check.Detail is null ? string.Empty : $"  ({check.Detail})")}");
            }

            return run.Print(json, text.ToString(), checks.All(c => c.Status == "SERVING") ? ExitCodes.Success : ExitCodes.ServerOrIo);
        });
        return command;
    }

    /// <summary>Every address given for <paramref name="service"/> (the option, else its variable, else the default), in order, without repeats.</summary>
    private static IEnumerable<ServiceEndpoint> Endpoints(LedgerService service, string? option)
    {
        var text = !string.IsNullOrWhiteSpace(option) ? option : Environment.GetEnvironmentVariable(service.Variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [service.Resolve(null)];
        }

        var addresses = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
        {
            throw CliFailure.Usage($"{service.Title}'s address list '{text}' names no address; give one or more http:// URLs separated by commas.");
        }

        return addresses.Distinct(StringComparer.Ordinal).Select(address => service.Resolve(address));
    }

    private static async Task<(ServiceEndpoint Endpoint, string Status, string? Detail)> CheckAsync(ServiceEndpoint endpoint, TimeSpan timeout, CancellationToken cancellation)
    {
        // Health is open to every caller (probes have no client key), so no credentials here.
        using var connection = new ServiceConnection(endpoint, null, timeout, cancellation);
        try
        {
            var response = await new Grpc.Health.V1.Health.HealthClient(connection.Channel).CheckAsync(new HealthCheckRequest(), connection.Call());
            return (endpoint, response.Status.ToString().ToUpperInvariant() switch
            {
                "SERVING" => "SERVING",
                "NOTSERVING" => "NOT_SERVING",
                var other => other,
            }, null);
        }
        catch (RpcException e) when (!cancellation.IsCancellationRequested)
        {
            return (endpoint, e.StatusCode == StatusCode.Unavailable ? "UNREACHABLE" : e.StatusCode.ToString().ToUpperInvariant(), e.Status.Detail);
        }
    }
}
