namespace Ledger.Testing;

/// <summary>A RabbitMQ virtual host of one test class's own, deleted when the class is done.</summary>
public sealed class TestVirtualHost(LedgerInfrastructure infrastructure, string name, Uri amqp) : IAsyncDisposable
{
    public string Name { get; } = name;

    /// <summary>amqp:// URI with credentials, pointing at this virtual host.</summary>
    public Uri Amqp { get; } = amqp;

    public ValueTask DisposeAsync() => new(infrastructure.DeleteVirtualHostAsync(Name));
}
