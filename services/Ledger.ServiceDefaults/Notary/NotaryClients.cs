using Ledger.Contracts.Notary.V1;
using Ledger.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ServiceDefaults.Notary;

/// <summary>gRPC clients of Notary, for the services that ask it to sign or read its JWKS.</summary>
public static class NotaryClients
{
    /// <summary>Notary's gRPC address (env: Ledger__Notary__Url).</summary>
    public const string UrlSetting = "Ledger:Notary:Url";
    public const string DefaultUrl = "http://127.0.0.1:5011";

    public static WebApplicationBuilder AddNotaryClients(this WebApplicationBuilder builder)
    {
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
                    o.MaxReceiveMessageSize = Grpc.GrpcLimits.MaxResponseBytes;
                    // Tokens travel over h2c inside the deployment; put TLS (or mTLS) in front in production.
                    o.UnsafeUseInsecureChannelCallCredentials = true;
                });
        }

        return builder;
    }

    private static void Configure(IServiceProvider services, global::Grpc.Net.ClientFactory.GrpcClientFactoryOptions options)
    {
        var url = services.GetRequiredService<IConfiguration>()[UrlSetting];
        options.Address = new Uri(string.IsNullOrWhiteSpace(url) ? DefaultUrl : url);
    }
}
