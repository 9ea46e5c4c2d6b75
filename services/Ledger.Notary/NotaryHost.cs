using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;

namespace Ledger.Notary;

/// <summary>Everything the Notary host adds and maps; Program.cs stays a few lines.</summary>
public static class NotaryHost
{
    public const string ServiceName = "notary";

    public static WebApplicationBuilder AddNotary(this WebApplicationBuilder builder)
    {
        builder.AddLedgerEventStore(ServiceName, (_, _) => { });
        builder.AddLedgerMessaging(ServiceName);
        return builder;
    }

    public static WebApplication MapNotary(this WebApplication app) => app;
}
