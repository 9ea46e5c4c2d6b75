using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Issuance;

public sealed class Program
{
    public static int Main(string[] args) =>
        LedgerHost.Run(args, IssuanceHost.ServiceName, builder => builder.AddIssuance(), app => app.MapIssuance());
}
