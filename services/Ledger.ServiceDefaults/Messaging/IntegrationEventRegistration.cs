using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ServiceDefaults.Messaging;

public static class IntegrationEventRegistration
{
    /// <summary>Publishes the service's committed events to RabbitMQ through <typeparamref name="TMap"/>.</summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression PublishIntegrationEvents<TMap>(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten)
        where TMap : class, IIntegrationEventMap
    {
        marten.Services.AddSingleton<IIntegrationEventMap, TMap>();
        marten.Services.AddSingleton<PublishedEvents>();
        return marten.AddSubscriptionWithServices<IntegrationEventForwarder>(ServiceLifetime.Singleton, _ => { });
    }
}
