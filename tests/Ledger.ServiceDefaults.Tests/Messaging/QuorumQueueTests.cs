using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ledger.ServiceDefaults.Messaging;
using Ledger.ServiceDefaults.Tests.EventStore;
using Ledger.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ServiceDefaults.Tests.Messaging;

/// <summary>
/// Ledger:Messaging:QuorumQueues decides the type of every consumer's queue, as the broker
/// reports it through its management API. Each test has a virtual host of its own, so the two
/// settings never meet the same queue (a queue's type cannot change once declared).
/// </summary>
public sealed class QuorumQueueTests
{
    [Fact]
    public async Task with_quorum_queues_on_every_consumer_queue_is_a_quorum_queue_and_delivers()
    {
        await using var broker = await Broker.StartAsync(quorumQueues: true);

        var queues = await broker.ConsumerQueuesAsync();

        Assert.Equal(["quorum-probe-forwarded"], queues.Select(q => q.Name));
        Assert.All(queues, q => Assert.Equal("quorum", q.Type));
        Assert.All(queues, q => Assert.Equal("quorum", q.DeclaredType));

        var id = Guid.CreateVersion7();
        await broker.App.Services.GetRequiredService<IBus>().Publish(new ProbeForwarded(id, "over a quorum queue"));
        await Eventually.True(() => Task.FromResult(broker.Received.Values.Any(m => m.ProbeId == id)), TimeSpan.FromSeconds(30), "the consumer to receive the message");
    }

    [Fact]
    public async Task a_faulted_message_waits_in_an_error_queue_that_is_a_quorum_queue_too()
    {
        await using var broker = await Broker.StartAsync(quorumQueues: true, bus => bus.AddConsumer<RefusingConsumer>());
        await broker.App.Services.GetRequiredService<IBus>().Publish(new Refused(Guid.CreateVersion7()));

        var queues = await Eventually.Get(async () => await broker.ConsumerQueuesAsync() is { Count: 2 } both ? both : null,
            TimeSpan.FromSeconds(30), "the faulted message's error queue");

        Assert.Equal(["quorum-refusing", "quorum-refusing_error"], queues.Select(q => q.Name));
        Assert.All(queues, q => Assert.Equal("quorum", q.Type));
    }

    [Fact]
    public async Task by_default_consumer_queues_stay_classic_for_a_single_node_broker()
    {
        await using var broker = await Broker.StartAsync(quorumQueues: null);

        var queues = await broker.ConsumerQueuesAsync();

        Assert.Equal(["quorum-probe-forwarded"], queues.Select(q => q.Name));
        Assert.All(queues, q => Assert.Equal("classic", q.Type));
        Assert.All(queues, q => Assert.Null(q.DeclaredType));
    }

    private sealed record Queue(string Name, string Type, string? DeclaredType);

    public sealed record Refused(Guid Id);

    public sealed class RefusingConsumer : IConsumer<Refused>
    {
        public Task Consume(ConsumeContext<Refused> context) => throw new InvalidOperationException("refused, to fault the message");
    }

    private sealed class Broker : IAsyncDisposable
    {
        private readonly TestVirtualHost _virtualHost;
        private readonly HttpClient _management;

        private Broker(TestVirtualHost virtualHost, HttpClient management, WebApplication app, ConcurrentDictionary<Guid, ProbeForwarded> received)
        {
            _virtualHost = virtualHost;
            _management = management;
            App = app;
            Received = received;
        }

        public WebApplication App { get; }

        public ConcurrentDictionary<Guid, ProbeForwarded> Received { get; }

        public static async Task<Broker> StartAsync(bool? quorumQueues, Action<IBusRegistrationConfigurator>? consumers = null)
        {
            var infrastructure = await LedgerInfrastructure.GetAsync();
            var virtualHost = await infrastructure.CreateVirtualHostAsync();
            var received = new ConcurrentDictionary<Guid, ProbeForwarded>();
            var builder = WebApplication.CreateBuilder();
            builder.Configuration.AddInMemoryCollection(AsyncDaemonTests.EphemeralPorts);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"ConnectionStrings:{MessagingExtensions.ConnectionStringName}"] = virtualHost.Amqp.ToString(),
                [MessagingExtensions.QuorumQueuesSetting] = quorumQueues?.ToString(),
            });
            builder.Services.AddSingleton(received);
            builder.AddLedgerMessaging("quorum", consumers ?? (bus => bus.AddConsumer<ProbeForwardedConsumer>()));
            var app = builder.Build();
            await app.StartAsync();
            await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
            return new Broker(virtualHost, Management(infrastructure.RabbitMqManagement), app, received);
        }

        /// <summary>The durable queues of this virtual host (the bus's own temporary queue is not a consumer's).</summary>
        public async Task<IReadOnlyList<Queue>> ConsumerQueuesAsync() =>
            await Eventually.Get(async () =>
            {
                using var response = await _management.GetAsync($"api/queues/{Uri.EscapeDataString(_virtualHost.Name)}");
                response.EnsureSuccessStatusCode();
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var queues = document.RootElement.EnumerateArray()
                    .Where(q => q.GetProperty("durable").GetBoolean() && !q.GetProperty("auto_delete").GetBoolean())
                    .Select(q => new Queue(
                        q.GetProperty("name").GetString()!,
                        q.GetProperty("type").GetString()!,
                        q.GetProperty("arguments").TryGetProperty("x-queue-type", out var declared) ? declared.GetString() : null))
                    .OrderBy(q => q.Name, StringComparer.Ordinal)
                    .ToList();
                return queues.Count > 0 ? queues : null;
            }, TimeSpan.FromSeconds(30), "the bus to declare its consumer queues");

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            _management.Dispose();
            await _virtualHost.DisposeAsync();
        }

        private static HttpClient Management(Uri management)
        {
            var http = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "", Path = "/" }.Uri };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
            return http;
        }
    }
}
