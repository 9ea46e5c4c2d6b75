using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Revocation;

public sealed class Program
{
    public static int Main(string[] args) =>
        LedgerHost.Run(args, RevocationHost.ServiceName, builder => builder.AddRevocation(), app => app.MapRevocation());
}
