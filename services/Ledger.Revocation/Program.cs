using Ledger.ServiceDefaults.Health;
using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Revocation;

public sealed class Program
{
    public static int Main(string[] args)
    {
        if (HealthProbe.TryRun(args) is { } probeResult)
        {
            return probeResult;
        }

        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults(RevocationHost.ServiceName);
        builder.AddRevocation();

        var app = builder.Build();
        app.MapRevocation();
        app.MapDefaultEndpoints();
        app.Run();
        return 0;
    }
}
