using System.Text.Json;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Ledger.Testing;

/// <summary>
/// A subscriber written the way a non-.NET client would: a plain AMQP connection, its own
/// queue bound to the fanout exchange named after the integration event
/// (<c>Ledger.IntegrationEvents.V1:LicenseRevoked</c>), reading MassTransit's JSON envelope.
/// </summary>
public sealed class AmqpSubscriber : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly Channel<ReceivedEvent> _received = Channel.CreateUnbounded<ReceivedEvent>();

    private AmqpSubscriber(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    /// <summary>Subscribes through a queue of its own that lives as long as this connection.</summary>
    public static Task<AmqpSubscriber> StartAsync(Uri amqp, params string[] eventNames) => StartCoreAsync(amqp, durableQueue: null, eventNames);

    /// <summary>
    /// Subscribes through <paramref name="durableQueue"/>, a durable queue that keeps what is
    /// published while the subscriber is away, as a production subscriber's would. The connection
    /// recovers by itself after the broker restarts.
    /// </summary>
    public static Task<AmqpSubscriber> StartDurableAsync(Uri amqp, string durableQueue, params string[] eventNames) =>
        StartCoreAsync(amqp, durableQueue, eventNames);

    private static async Task<AmqpSubscriber> StartCoreAsync(Uri amqp, string? durableQueue, string[] eventNames)
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
        var subscriber = new AmqpSubscriber(connection, channel);
        var queue = durableQueue is null
            ? await channel.QueueDeclareAsync(exclusive: true, autoDelete: true)
            : await channel.QueueDeclareAsync(durableQueue, durable: true, exclusive: false, autoDelete: false);
        foreach (var name in eventNames)
        {
            var exchange = $"Ledger.IntegrationEvents.V1:{name}";
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            await channel.QueueBindAsync(queue.QueueName, exchange, "");
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var envelope = JsonDocument.Parse(delivery.Body);
            var root = envelope.RootElement;
            var messageType = root.GetProperty("messageType")[0].GetString()!;
            var headers = root.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object ? h : default;
            subscriber._received.Writer.TryWrite(new ReceivedEvent(
                Guid.Parse(root.GetProperty("messageId").GetString()!),
                messageType[(messageType.LastIndexOf(':') + 1)..],
                root.GetProperty("message").Clone())
            {
                Sequence = Header(headers, "ledger-sequence"),
                PreviousSequence = Header(headers, "ledger-previous-sequence"),
            });
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return subscriber;
    }

    private static long? Header(JsonElement headers, string name) =>
        headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : null;

    /// <summary>The next event, or a TimeoutException naming what was awaited.</summary>
    public async Task<ReceivedEvent> NextAsync(Func<ReceivedEvent, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var next = await _received.Reader.ReadAsync(cancellation.Token);
                if (match is null || match(next))
                {
                    return next;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No matching integration event arrived on RabbitMQ in time.");
        }
    }

    /// <summary>
    /// One event for each of <paramref name="keys"/>, as <paramref name="keyOf"/> names an event (null: not
    /// one of them), in whatever order RabbitMQ carries them: the outbox pipelines a page's publishes, so
    /// the wire order is not promised (the sequence headers give the commit order). Events that are none
    /// of the keys, and a redelivery of one already found, are passed over.
    /// </summary>
    public async Task<IReadOnlyDictionary<TKey, ReceivedEvent>> EachAsync<TKey>(IEnumerable<TKey> keys, Func<ReceivedEvent, TKey?> keyOf, TimeSpan? timeout = null)
        where TKey : notnull
    {
        var wanted = keys.ToHashSet();
        var found = new Dictionary<TKey, ReceivedEvent>();
        while (found.Count < wanted.Count)
        {
            var next = await NextAsync(e => keyOf(e) is { } key && wanted.Contains(key) && !found.ContainsKey(key), timeout);
            found[keyOf(next)!] = next;
        }

        return found;
    }

    /// <summary>Everything received so far, without waiting.</summary>
    public IReadOnlyList<ReceivedEvent> Drain()
    {
        var list = new List<ReceivedEvent>();
        while (_received.Reader.TryRead(out var item))
        {
            list.Add(item);
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}

/// <summary>One integration event as a subscriber sees it: message id, type name and body.</summary>
public sealed record ReceivedEvent(Guid MessageId, string Type, JsonElement Message)
{
    /// <summary>When it was delivered (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), for latency measurements.</summary>
    public long ReceivedAt { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The publisher's ledger-sequence header (docs/EVENTS.md), when it sent one.</summary>
    public long? Sequence { get; init; }

    /// <summary>The publisher's ledger-previous-sequence header, when it sent one.</summary>
    public long? PreviousSequence { get; init; }
}
