using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ledger.ServiceDefaults.Hosting;

/// <summary>The activity source and meter every Ledger service records its own spans and metrics on.</summary>
public static class LedgerTelemetry
{
    public const string ActivitySourceName = "Ledger";
    public const string MeterName = "Ledger";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    public static readonly Meter Meter = new(MeterName);
}
