using System.Net;
using System.Security.Cryptography;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Testing;
using Ledger.Testing.Processes;

namespace Ledger.ServiceDefaults.Tests.Hosting;

/// <summary>/metrics is served on the metrics port alone, by a service running as it runs in production (a process, real sockets).</summary>
public sealed class MetricsPortTests(IsolatedInfrastructure infrastructure) : IClassFixture<IsolatedInfrastructure>, IDisposable
{
    private readonly string _log = Path.GetTempFileName();

    [Fact]
    public async Task the_public_port_answers_404_for_metrics_and_the_metrics_port_serves_only_metrics()
    {
        var settings = infrastructure.Settings;
        settings["Ledger:Notary:RootKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var notary = ServiceProcess.Start("notary", "Ledger.Notary", settings, _log);
        await notary.WaitUntilReadyAsync(LedgerProcesses.StartTimeout);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var metrics = await http.GetAsync(new Uri($"{notary.MetricsUrl}/metrics"));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var scrape = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE", scrape, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", scrape, StringComparison.Ordinal);

        // The public port: 404, whatever Host header the client sends (the socket's port decides).
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"{notary.HttpUrl}/metrics"))).StatusCode);
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri($"{notary.HttpUrl}/metrics"));
        spoofed.Headers.Host = new Uri(notary.MetricsUrl).Authority;
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(spoofed)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"{notary.HttpUrl}/.well-known/jwks.json"))).StatusCode);

        // The metrics port serves nothing else.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"{notary.MetricsUrl}/.well-known/jwks.json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"{notary.MetricsUrl}/health/ready"))).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5030", "http://127.0.0.1:5130")]
    [InlineData("http://0.0.0.0:8080", "http://0.0.0.0:8180")]
    [InlineData("http://[::]:8080/", "http://[::]:8180/")]
    [InlineData("http://+:8080", "http://+:8180")]
    [InlineData("http://127.0.0.1:0", "http://127.0.0.1:0")]
    [InlineData("http://127.0.0.1:65500", null)]
    [InlineData("http://127.0.0.1", null)]
    [InlineData(null, null)]
    public void by_default_the_metrics_port_is_the_http_port_plus_100_on_the_same_host(string? http, string? metrics)
    {
        Assert.Equal(metrics, MetricsListener.DefaultUrl(http));
    }

    public void Dispose() => File.Delete(_log);
}
