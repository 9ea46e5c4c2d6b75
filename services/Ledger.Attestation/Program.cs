using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Attestation;

public sealed class Program
{
    public static int Main(string[] args) =>
        LedgerHost.Run(args, AttestationHost.ServiceName, builder => builder.AddAttestation(), app => app.MapAttestation());
}
