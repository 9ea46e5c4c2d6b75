using Ledger.ServiceDefaults.Health;
using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Attestation;

public sealed class Program
{
    public static int Main(string[] args)
    {
        if (HealthProbe.TryRun(args) is { } probeResult)
        {
            return probeResult;
        }

        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults(AttestationHost.ServiceName);
        builder.AddAttestation();

        var app = builder.Build();
        app.MapAttestation();
        app.MapDefaultEndpoints();
        app.Run();
        return 0;
    }
}
