using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ledger.ClientTokens;

/// <summary>
/// Reads the client registry, and the service's own client key when one is configured, when the
/// service starts rather than at the first call: a missing or broken file stops the start with
/// the setting to fix (<c>issuance: cannot start: The client registry ... does not exist</c>)
/// instead of a service that answers every call UNAUTHENTICATED.
/// </summary>
internal sealed class ClientIdentityCheck(IServiceProvider services, IConfiguration configuration) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<ClientRegistry>();
        if (!string.IsNullOrWhiteSpace(configuration[OutgoingClientTokens.KeyFileSetting]))
        {
            services.GetRequiredService<OutgoingClientTokens>().LoadKey();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
