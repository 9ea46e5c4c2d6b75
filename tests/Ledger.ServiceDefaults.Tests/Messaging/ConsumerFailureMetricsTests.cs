using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ServiceDefaults.Messaging;
using Ledger.ServiceDefaults.Tests.EventStore;
using Ledger.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ServiceDefaults.Tests.Messaging;

/// <summary>
/// Consumer failures are visible on /metrics: every failed attempt of a consumer with the Ledger
/// retry definition counts in <c>ledger_consumer_failures_total</c>, by consumer, message and
/// exception type, as soon as it fails (not only once the retries are spent).
/// </summary>
public sealed class ConsumerFailureMetricsTests(IsolatedInfrastructure infrastructure) : IClassFixture<IsolatedInfrastructure>
{
    [Fact]
    public async Task a_failing_consumer_shows_in_the_consume_errors_counter_by_consumer_and_message_type()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(infrastructure.Settings);
        builder.Configuration.AddInMemoryCollection(AsyncDaemonTests.EphemeralPorts);
        // /metrics is served only on the metrics port, which must be known (not 0) to be recognized.
        builder.Configuration.AddInMemoryCollection([new(MetricsListener.UrlSetting, $"http://127.0.0.1:{FreePorts.Next()}")]);
        builder.AddServiceDefaults("faults");
        builder.AddLedgerEventStore("faults", (options, _) => options.Events.AddEventType<ProbeRecorded>());
        builder.AddLedgerMessaging("faults", bus =>
        {
            bus.AddConsumer<ProbeRejectingConsumer, RetryingConsumerDefinition<ProbeRejectingConsumer>>();
            bus.AddConsumer<ProbeAcceptingConsumer, RetryingConsumerDefinition<ProbeAcceptingConsumer>>();
        });
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        using var http = await MetricsClientAsync(app);
        var rejecting = ("consumer", nameof(ProbeRejectingConsumer));
        Assert.Null((await PrometheusScrape.FromAsync(http)).Find("ledger_consumer_failures_total", rejecting).FirstOrDefault());

        // Publish once the receive endpoints are bound, or the broker would drop the messages.
        var bus = app.Services.GetRequiredService<IBusControl>();
        await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
        await bus.Publish(new ProbeRejected("never accepted"));
        await bus.Publish(new ProbeAccepted("fine"));

        var failures = await WithScrapeOnTimeout(http, () => Eventually.Get(async () =>
        {
            var scrape = await PrometheusScrape.FromAsync(http);
            var errors = scrape.Find("ledger_consumer_failures_total", rejecting).ToList();
            return errors.Count > 0 ? errors : null;
        }, TimeSpan.FromSeconds(20), "the first failed attempt to be counted"));

        var failure = failures[0];
        Assert.True(failure.Value >= 1);
        Assert.Contains(nameof(ProbeRejected), failure.Labels["message_type"]);
        Assert.Equal(nameof(InvalidOperationException), failure.Labels["exception_type"]);
        Assert.Empty((await PrometheusScrape.FromAsync(http)).Find("ledger_consumer_failures_total", ("consumer", nameof(ProbeAcceptingConsumer))));
        await app.StopAsync();
    }

    private static async Task<T> WithScrapeOnTimeout<T>(HttpClient http, Func<Task<T>> wait)
    {
        try
        {
            return await wait();
        }
        catch (TimeoutException e)
        {
            var consumers = (await PrometheusScrape.FromAsync(http)).Text.Split('\n').Where(l => l.Contains("consume", StringComparison.Ordinal));
            throw new TimeoutException($"{e.Message} the consumer series were:\n{string.Join('\n', consumers)}", e);
        }
    }

    /// <summary>A client of the HTTP/1.1 endpoint (the other one speaks only HTTP/2, for gRPC).</summary>
    private static async Task<HttpClient> MetricsClientAsync(WebApplication app)
    {
        foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
        {
            var http = new HttpClient { BaseAddress = new Uri(address) };
            if ((await http.GetAsync(new Uri("/metrics", UriKind.Relative))).IsSuccessStatusCode)
            {
                return http;
            }

            http.Dispose();
        }

        throw new InvalidOperationException("No endpoint serves /metrics over HTTP/1.1.");
    }
}

public sealed record ProbeRejected(string Note);

public sealed record ProbeAccepted(string Note);

public sealed class ProbeRejectingConsumer : IConsumer<ProbeRejected>
{
    public Task Consume(ConsumeContext<ProbeRejected> context) =>
        throw new InvalidOperationException($"Probe consumer rejects '{context.Message.Note}'.");
}

public sealed class ProbeAcceptingConsumer : IConsumer<ProbeAccepted>
{
    public Task Consume(ConsumeContext<ProbeAccepted> context) => Task.CompletedTask;
}
