using System.Collections.Concurrent;
using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Ledger.Benchmarks.Fixtures;

/// <summary>
/// The limit beside event delivery: one bare message published to a queue of its own on the same
/// broker and virtual host, and the time until a plain AMQP consumer receives it.
/// </summary>
public sealed class BrokerProbe : IAsyncDisposable
{
    private static readonly byte[] Body = new byte[200];

    private readonly IConnection connection;
    private readonly IChannel publisher;
    private readonly IChannel consumer;
    private readonly string queue;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> pending = new();

    private BrokerProbe(IConnection connection, IChannel publisher, IChannel consumer, string queue)
    {
        this.connection = connection;
        this.publisher = publisher;
        this.consumer = consumer;
        this.queue = queue;
    }

    public static async Task<BrokerProbe> StartAsync(Uri amqp)
    {
        var connection = await new ConnectionFactory { Uri = amqp }.CreateConnectionAsync();
        var publisher = await connection.CreateChannelAsync();
        var consumer = await connection.CreateChannelAsync();
        var queue = (await consumer.QueueDeclareAsync(exclusive: true, autoDelete: true)).QueueName;
        var probe = new BrokerProbe(connection, publisher, consumer, queue);
        var receiver = new AsyncEventingBasicConsumer(consumer);
        receiver.ReceivedAsync += (_, delivery) =>
        {
            var receivedAt = Stopwatch.GetTimestamp();
            if (delivery.BasicProperties.MessageId is { } id && probe.pending.TryRemove(id, out var waiting))
            {
                waiting.TrySetResult(receivedAt);
            }

            return Task.CompletedTask;
        };
        await consumer.BasicConsumeAsync(queue, autoAck: true, receiver);
        return probe;
    }

    /// <summary>Publishes one message and waits for its delivery: the time from just before publishing to receipt.</summary>
    public async Task<TimeSpan> RoundTripAsync(TimeSpan timeout)
    {
        var id = Guid.NewGuid().ToString("N");
        var delivered = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = delivered;
        var sentAt = Stopwatch.GetTimestamp();
        await publisher.BasicPublishAsync(string.Empty, queue, mandatory: false, new BasicProperties { MessageId = id }, Body);
        var receivedAt = await delivered.Task.WaitAsync(timeout);
        return Stopwatch.GetElapsedTime(sentAt, receivedAt);
    }

    public async ValueTask DisposeAsync()
    {
        await consumer.CloseAsync();
        await publisher.CloseAsync();
        await connection.CloseAsync();
        consumer.Dispose();
        publisher.Dispose();
        connection.Dispose();
    }
}
