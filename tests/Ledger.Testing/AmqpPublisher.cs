using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace Ledger.Testing;

/// <summary>
/// Publishes an integration event the way a non-.NET producer would: MassTransit's JSON envelope
/// on the fanout exchange named after the contract, with the headers Ledger's outbox sets. Lets a
/// test deliver events out of order, twice, or with a gap, as a broker may.
/// </summary>
public sealed class AmqpPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private AmqpPublisher(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<AmqpPublisher> StartAsync(Uri amqp)
    {
        var connection = await new ConnectionFactory { Uri = amqp }.CreateConnectionAsync();
        return new AmqpPublisher(connection, await connection.CreateChannelAsync());
    }

    /// <param name="eventName">The contract name, e.g. LicenseIssued.</param>
    /// <param name="message">The event, serialized with camelCase names.</param>
    /// <param name="headers">Envelope headers, e.g. ledger-sequence.</param>
    public async Task PublishAsync(string eventName, object message, IReadOnlyDictionary<string, object> headers, Guid? messageId = null)
    {
        var exchange = $"Ledger.IntegrationEvents.V1:{eventName}";
        await _channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        var envelope = new Dictionary<string, object?>
        {
            ["messageId"] = (messageId ?? Guid.NewGuid()).ToString(),
            ["messageType"] = new[] { $"urn:message:Ledger.IntegrationEvents.V1:{eventName}" },
            ["sentTime"] = DateTimeOffset.UtcNow,
            ["headers"] = headers,
            ["message"] = message,
        };
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(envelope, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
        await _channel.BasicPublishAsync(exchange, "", mandatory: false, properties, body);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
