using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ledger.ClientTokens;

/// <summary>A Ledger service this one calls with its own client token (<see cref="OutgoingClientTokens"/>).</summary>
public sealed record OutgoingCallee(string Service);

/// <summary>
/// Reads the client registry, and the service's own client key when the service calls another
/// (it registered an <see cref="OutgoingCallee"/>), when the service starts rather than at the
/// first call, and checks the key against the registry where it lists it
/// (<see cref="OutgoingClientTokens.CheckKey"/>): a missing or broken file stops the start with the setting to fix
/// (<c>issuance: cannot start: The client registry ... does not exist</c>) instead of a service
/// that answers every call UNAUTHENTICATED or fails its first call to Notary.
/// </summary>
internal sealed class ClientIdentityCheck(IServiceProvider services, IEnumerable<OutgoingCallee> callees) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<ClientRegistry>();
        if (callees.Any())
        {
            services.GetRequiredService<OutgoingClientTokens>().CheckKey(registry);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
