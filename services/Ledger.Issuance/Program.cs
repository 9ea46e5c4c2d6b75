using Ledger.ServiceDefaults.Health;
using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Issuance;

public sealed class Program
{
    public static int Main(string[] args)
    {
        if (HealthProbe.TryRun(args) is { } probeResult)
        {
            return probeResult;
        }

        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults(IssuanceHost.ServiceName);
        builder.AddIssuance();

        var app = builder.Build();
        app.MapIssuance();
        app.MapDefaultEndpoints();
        app.Run();
        return 0;
    }
}
