using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;

namespace Ledger.Revocation;

/// <summary>Everything the Revocation host adds and maps; Program.cs stays a few lines.</summary>
public static class RevocationHost
{
    public const string ServiceName = "revocation";

    public static WebApplicationBuilder AddRevocation(this WebApplicationBuilder builder)
    {
        builder.AddLedgerEventStore(ServiceName, (_, _) => { });
        builder.AddLedgerMessaging(ServiceName);
        return builder;
    }

    public static WebApplication MapRevocation(this WebApplication app) => app;
}
