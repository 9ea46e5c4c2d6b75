using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Notary;

public sealed class Program
{
    public static int Main(string[] args) =>
        LedgerHost.Run(args, NotaryHost.ServiceName, builder => builder.AddNotary(), app => app.MapNotary());
}
