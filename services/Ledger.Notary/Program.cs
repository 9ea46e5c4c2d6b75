using Ledger.ServiceDefaults.Health;
using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Notary;

public sealed class Program
{
    public static int Main(string[] args)
    {
        if (HealthProbe.TryRun(args) is { } probeResult)
        {
            return probeResult;
        }

        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults(NotaryHost.ServiceName);
        builder.AddNotary();

        var app = builder.Build();
        app.MapNotary();
        app.MapDefaultEndpoints();
        app.Run();
        return 0;
    }
}
