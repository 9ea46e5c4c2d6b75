using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Ledger.Reliability.Tests.Support;

/// <summary>
/// A production-style subscriber on the RabbitMQ cluster: a durable QUORUM queue of its own (so
/// what is published while a node is down is kept by the others), bound to the LicenseIssued and
/// LicenseRevoked exchanges, read through the balancer with automatic recovery, acknowledging
/// each delivery after recording it. It records, per license, every message id delivered and how
/// many deliveries: "published exactly once" is one message id per license and event type.
/// </summary>
public sealed class ClusterSubscriber : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly Dictionary<(string Type, Guid License), HashSet<Guid>> _messages = [];
    private readonly Dictionary<(string Type, Guid License), int> _deliveries = [];

    private ClusterSubscriber(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<ClusterSubscriber> StartAsync(Uri amqp, string queue)
    {
        var factory = new ConnectionFactory
        {
            Uri = amqp,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
        };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var subscriber = new ClusterSubscriber(connection, channel);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        foreach (var name in new[] { "LicenseIssued", "LicenseRevoked" })
        {
            var exchange = $"Ledger.IntegrationEvents.V1:{name}";
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            await channel.QueueBindAsync(queue, exchange, "");
        }

        await channel.BasicQosAsync(0, 200, false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            using (var envelope = JsonDocument.Parse(delivery.Body))
            {
                var root = envelope.RootElement;
                var messageType = root.GetProperty("messageType")[0].GetString()!;
                var key = (messageType[(messageType.LastIndexOf(':') + 1)..], root.GetProperty("message").GetProperty("licenseId").GetGuid());
                var messageId = Guid.Parse(root.GetProperty("messageId").GetString()!);
                lock (subscriber._messages)
                {
                    if (!subscriber._messages.TryGetValue(key, out var ids))
                    {
                        subscriber._messages[key] = ids = [];
                    }

                    ids.Add(messageId);
                    subscriber._deliveries[key] = subscriber._deliveries.GetValueOrDefault(key) + 1;
                }
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, false);
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        return subscriber;
    }

    /// <summary>
    /// Waits until every id was delivered as <paramref name="eventName"/>; then asserts each was
    /// published once (one message id per license). Returns (licenses, deliveries, redeliveries of
    /// a message already seen: at-least-once delivery, harmless to a subscriber deduplicating by message id).
    /// </summary>
    public async Task<(int Licenses, int Deliveries, int Redelivered)> WaitUntilPublishedOnceAsync(string eventName, IReadOnlyCollection<Guid> ids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            int missing;
            lock (_messages)
            {
                missing = ids.Count(id => !_messages.ContainsKey((eventName, id)));
            }

            if (missing == 0)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{missing} of {ids.Count} {eventName} events never reached the subscriber within {timeout.TotalSeconds} s.");
            }

            await Task.Delay(250);
        }

        lock (_messages)
        {
            var twice = ids.Where(id => _messages[(eventName, id)].Count > 1).ToList();
            Assert.True(twice.Count == 0,
                $"{twice.Count} licenses were published as {eventName} more than once (distinct message ids), e.g. {string.Join(", ", twice.Take(5))}.");
            var deliveries = ids.Sum(id => _deliveries[(eventName, id)]);
            return (ids.Count, deliveries, deliveries - ids.Count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
