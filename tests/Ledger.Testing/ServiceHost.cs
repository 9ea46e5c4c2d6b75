using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ledger.Testing;

/// <summary>
/// One Ledger service running in-process on the test server, with its settings (database,
/// broker, service addresses) given by the test, and every log line captured at Trace level.
/// </summary>
public sealed class ServiceHost<TProgram>(
    IReadOnlyDictionary<string, string?> settings,
    Action<IServiceCollection>? services = null) : WebApplicationFactory<TProgram>
    where TProgram : class
{
    public CapturedLogs Logs { get; } = new();

    /// <summary>Mints the client token each call of <see cref="CreateChannel"/> carries (the admin's, by default).</summary>
    public Func<string>? Token { get; set; }

    /// <summary>A gRPC channel to this service over the in-memory test server; every call carries a fresh <see cref="Token"/>.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => CreateChannel(Token, options);

    /// <summary>A channel whose calls carry tokens from <paramref name="token"/> (null: no authorization header).</summary>
    public GrpcChannel CreateChannel(Func<string>? token, GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        options.HttpHandler = Server.CreateHandler();
        if (token is not null)
        {
            options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", "Bearer " + token());
                return Task.CompletedTask;
            }));
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }

        return GrpcChannel.ForAddress(Server.BaseAddress, options);
    }

    /// <summary>
    /// An HTTP client for <c>/metrics</c>: its requests arrive as if on the service's metrics port (the
    /// in-memory test server has no sockets; Ledger serves /metrics only on connections to that port).
    /// </summary>
    public HttpClient CreateMetricsClient()
    {
        var url = Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Kestrel:Endpoints:Metrics:Url"]
            ?? throw new InvalidOperationException("The service has no metrics endpoint (Kestrel:Endpoints:Metrics:Url).");
        var port = int.Parse(url[(url.LastIndexOf(':') + 1)..].TrimEnd('/'), System.Globalization.CultureInfo.InvariantCulture);
        return new HttpClient(Server.CreateHandler(context => context.Connection.LocalPort = port)) { BaseAddress = Server.BaseAddress };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace)
            .AddFilter<CapturedLogs>(null, LogLevel.Trace));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
