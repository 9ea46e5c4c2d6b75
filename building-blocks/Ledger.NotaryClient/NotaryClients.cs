using Ledger.Contracts.Notary.V1;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ClientTokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.NotaryClient;

/// <summary>gRPC clients of Notary, for the services that ask it to sign or read its JWKS.</summary>
public static class NotaryClients
{
    /// <summary>Notary's gRPC address (env: Ledger__Notary__Url).</summary>
    public const string UrlSetting = "Ledger:Notary:Url";
    public const string DefaultUrl = "http://127.0.0.1:5011";

    public static WebApplicationBuilder AddNotaryClients(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<Settings>("Ledger:Notary");
        foreach (var client in new[]
        {
            builder.Services.AddGrpcClient<Signing.SigningClient>(Configure),
            builder.Services.AddGrpcClient<Keys.KeysClient>(Configure),
            builder.Services.AddGrpcClient<SignatureLog.SignatureLogClient>(Configure),
        })
        {
            client.AddCallCredentials((_, metadata, services) =>
                {
                    metadata.Add("authorization", "Bearer " + services.GetRequiredService<OutgoingClientTokens>().Mint("notary"));
                    return Task.CompletedTask;
                })
                .ConfigureChannel(o =>
                {
                    o.MaxReceiveMessageSize = ServiceDefaults.Grpc.GrpcLimits.MaxResponseBytes;
                    // Tokens travel over h2c inside the deployment; put TLS (or mTLS) in front in production.
                    o.UnsafeUseInsecureChannelCallCredentials = true;
                });
        }

        builder.Services.AddHostedService<IssuerAgreement>();
        return builder;
    }

    private static void Configure(IServiceProvider services, global::Grpc.Net.ClientFactory.GrpcClientFactoryOptions options) =>
        options.Address = new Uri(services.Settings<Settings>().Url);

    /// <summary>Where Notary is, as bound from Ledger:Notary, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        public string Url { get; set; } = DefaultUrl;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                yield return ("Url", $"must be Notary's gRPC address as http://host:port or https://host:port (was '{Url}')");
            }
        }
    }
}
