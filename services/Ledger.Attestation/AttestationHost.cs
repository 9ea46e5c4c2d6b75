using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;

namespace Ledger.Attestation;

/// <summary>Everything the Attestation host adds and maps; Program.cs stays a few lines.</summary>
public static class AttestationHost
{
    public const string ServiceName = "attestation";

    public static WebApplicationBuilder AddAttestation(this WebApplicationBuilder builder)
    {
        builder.AddLedgerEventStore(ServiceName, (_, _) => { });
        builder.AddLedgerMessaging(ServiceName);
        return builder;
    }

    public static WebApplication MapAttestation(this WebApplication app) => app;
}
