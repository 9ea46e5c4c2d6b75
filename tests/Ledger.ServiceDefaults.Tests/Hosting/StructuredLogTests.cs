using System.Diagnostics;
using System.Security.Cryptography;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Testing;
using Ledger.Testing.Processes;

namespace Ledger.ServiceDefaults.Tests.Hosting;

/// <summary>
/// With the JSON console formatter (as compose and k8s configure it), a service's log lines are
/// JSON objects carrying the trace id of the call they belong to, and never the client's token.
/// </summary>
public sealed class StructuredLogTests(IsolatedInfrastructure infrastructure) : IClassFixture<IsolatedInfrastructure>, IDisposable
{
    private readonly string _log = Path.GetTempFileName();

    [Fact]
    public async Task Json_console_lines_carry_the_calls_trace_id_and_never_its_token()
    {
        var settings = infrastructure.Settings;
        settings["Ledger:Notary:RootKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        settings["Logging:Console:FormatterName"] = "json";
        settings["Logging:Console:FormatterOptions:IncludeScopes"] = "true";
        await using var notary = ServiceProcess.Start("notary", "Ledger.Notary", settings, _log);
        await notary.WaitUntilReadyAsync(LedgerProcesses.StartTimeout);

        // A client the registry does not know: refused, and the refusal is logged.
        var token = infrastructure.Clients.Mint(TestClients.Stranger, "notary");
        var keys = new Keys.KeysClient(notary.Channel(() => token));
        // The call is made inside a trace of the test's own; HttpClient propagates it (W3C traceparent).
        RpcException refused;
        string traceId;
        using (var trace = new Activity("structured-log-test").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            traceId = trace.TraceId.ToHexString();
            refused = await Assert.ThrowsAsync<RpcException>(() => keys.ListKeysAsync(new ListKeysRequest()).ResponseAsync);
        }

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

        var line = await Eventually.Get(
            () => Task.FromResult(Lines(notary).FirstOrDefault(l => l.Contains("Refused client token", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(10), "the refusal in the log");
        using var entry = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("Warning", entry.RootElement.GetProperty("LogLevel").GetString());
        Assert.Contains(
            entry.RootElement.GetProperty("Scopes").EnumerateArray(),
            scope => scope.ValueKind == System.Text.Json.JsonValueKind.Object
                && scope.TryGetProperty("TraceId", out var id) && id.GetString() == traceId);
        Assert.All(Lines(notary), l => Assert.True(l.StartsWith('{') || l.StartsWith("----", StringComparison.Ordinal), $"Not a JSON line: {l}"));
        Assert.DoesNotContain(Lines(notary), l => l.Contains(token, StringComparison.Ordinal));
    }

    public void Dispose() => File.Delete(_log);

    private static List<string> Lines(ServiceProcess service) => [.. service.ReadLog().Where(l => l.Length > 0)];
}
