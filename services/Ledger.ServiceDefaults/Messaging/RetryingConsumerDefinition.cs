using MassTransit;

namespace Ledger.ServiceDefaults.Messaging;

/// <summary>
/// The retry rule every Ledger consumer shares: optimistic-concurrency conflicts and database
/// blips are retried in process with exponential backoff; after that the broker redelivers.
/// Consumers are idempotent, so a retry never acts twice. Every failed attempt is counted in
/// <c>ledger.consumer.failures</c>.
/// </summary>
public sealed class RetryingConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
        consumerConfigurator.UseFilter(new ConsumerFailureFilter<TConsumer>());
    }
}
