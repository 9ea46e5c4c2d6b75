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

    /// <summary>A gRPC channel to this service over the in-memory test server.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        options.HttpHandler = Server.CreateHandler();
        return GrpcChannel.ForAddress(Server.BaseAddress, options);
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
