using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Ledger.Contracts.Notary.V1;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ClientTokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.NotaryClient;

/// <summary>
/// gRPC clients of Notary, for the services that ask it to sign or read its JWKS. With one address
/// the channel talks to it directly; with several (Notary replicas, no balancer in between) calls are
/// balanced per call, round robin over every replica that is up (grpc-dotnet client-side load
/// balancing with a static resolver), not per connection.
/// </summary>
public static class NotaryClients
{
    /// <summary>Notary's gRPC address, or its replicas' addresses separated by commas (env: Ledger__Notary__Url).</summary>
    public const string UrlSetting = "Ledger:Notary:Url";
    public const string DefaultUrl = "http://127.0.0.1:5011";

    /// <summary>The address the channel dials when it balances over the replicas: the static resolver answers with their list.</summary>
    private static readonly Uri BalancedAddress = new("static:///notary");

    public static WebApplicationBuilder AddNotaryClients(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<Settings>("Ledger:Notary");
        builder.Services.AddSingleton<ResolverFactory>(services => new StaticResolverFactory(_ =>
            services.Settings<Settings>().Addresses.Select(a => new BalancerAddress(a.Host, a.Port))));
        foreach (var client in new[]
        {
            builder.Services.AddCalleeClient<Signing.SigningClient>("notary", Address),
            builder.Services.AddCalleeClient<Keys.KeysClient>("notary", Address),
            builder.Services.AddCalleeClient<SignatureLog.SignatureLogClient>("notary", Address),
        })
        {
            // Client-side load balancing needs SocketsHttpHandler: it opens a connection per replica.
            client.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
                .ConfigureChannel((services, o) =>
                {
                    o.MaxReceiveMessageSize = ServiceDefaults.Grpc.GrpcLimits.MaxResponseBytes;
                    var settings = services.Settings<Settings>();
                    if (settings.Addresses.Count > 1)
                    {
                        o.Credentials = settings.Addresses[0].Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
                        o.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
                    }
                });
        }

        builder.Services.AddHostedService<IssuerAgreement>();
        return builder;
    }

    private static Uri Address(IServiceProvider services)
    {
        var addresses = services.Settings<Settings>().Addresses;
        return addresses.Count > 1 ? BalancedAddress : addresses[0];
    }

    /// <summary>Where Notary is, as bound from Ledger:Notary, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        public string Url { get; set; } = DefaultUrl;

        /// <summary>Every address in <see cref="Url"/>, in order; empty when one is not valid (<see cref="Problems"/> says which).</summary>
        public IReadOnlyList<Uri> Addresses => Parse(Url, out _);

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            Parse(Url, out var problem);
            if (problem is not null)
            {
                yield return ("Url", problem);
            }
        }

        private static IReadOnlyList<Uri> Parse(string? text, out string? problem)
        {
            var addresses = new List<Uri>();
            foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
            {
                if (!ServiceAddress.IsGrpc(part, out var uri))
                {
                    problem = $"must be Notary's gRPC address as http://host:port or https://host:port, or several separated by commas, one per replica (was '{text}'; '{part}' is not one)";
                    return [];
                }

                if (addresses.Any(a => a.Scheme != uri.Scheme))
                {
                    problem = $"lists addresses with both http and https (was '{text}'); every Notary replica is reached the same way";
                    return [];
                }

                if (addresses.Any(a => a.Host == uri.Host && a.Port == uri.Port))
                {
                    problem = $"lists {uri.Host}:{uri.Port} twice (was '{text}'); name each replica once";
                    return [];
                }

                addresses.Add(uri);
            }

            problem = null;
            return addresses;
        }
    }
}
