using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ClientTokens;

public static class SecurityExtensions
{
    /// <summary>Client-token authentication and role authorization for every gRPC call.</summary>
    public static WebApplicationBuilder AddLedgerSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => ClientRegistry.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        // ReplayGuard needs the shared IAcceptedTokenIds: the event store registers it (AcceptedClientTokens, in the service's database).
        builder.Services.AddSingleton<ReplayGuard>();
        builder.Services.AddSingleton<OutgoingClientTokens>();
        builder.Services.AddHostedService<ClientIdentityCheck>();
        builder.Services.AddAuthentication(ClientTokenAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ClientTokenAuthentication>(ClientTokenAuthentication.SchemeName, null);
        // Fail closed: an endpoint that declares nothing still needs an authenticated client.
        // Public endpoints (health, metrics, JWKS, feeds) opt out with AllowAnonymous.
        builder.Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>Declares that this service calls <paramref name="service"/> with its own client token: its client key is then read at start.</summary>
    public static IServiceCollection AddOutgoingCallee(this IServiceCollection services, string service) =>
        services.AddSingleton(new OutgoingCallee(service));
}
