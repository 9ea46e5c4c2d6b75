using Grpc.Net.ClientFactory;
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

    /// <summary>
    /// A gRPC client of another Ledger service (<paramref name="callee"/>, the audience of its tokens) that
    /// presents this service's own client token on every call. Declaring it makes the service read its
    /// client key at start (<see cref="ClientIdentityCheck"/>). <paramref name="name"/> tells apart two
    /// clients of one generated type that call different services.
    /// </summary>
    public static IHttpClientBuilder AddCalleeClient<TClient>(
        this IServiceCollection services, string callee, Func<IServiceProvider, Uri> address, string? name = null)
        where TClient : class
    {
        if (!services.Any(d => d.ImplementationInstance is OutgoingCallee declared && declared.Service == callee))
        {
            services.AddSingleton(new OutgoingCallee(callee));
        }

        void Configure(IServiceProvider provider, GrpcClientFactoryOptions options) => options.Address = address(provider);
        var client = name is null ? services.AddGrpcClient<TClient>(Configure) : services.AddGrpcClient<TClient>(name, Configure);
        return client
            .AddCallCredentials((_, metadata, provider) =>
            {
                metadata.Add("authorization", "Bearer " + provider.GetRequiredService<OutgoingClientTokens>().Mint(callee));
                return Task.CompletedTask;
            })
            // Tokens travel over h2c inside the deployment; put TLS (or mTLS) in front in production.
            .ConfigureChannel(o => o.UnsafeUseInsecureChannelCallCredentials = true);
    }
}
