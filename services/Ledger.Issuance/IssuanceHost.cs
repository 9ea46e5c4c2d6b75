using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;

namespace Ledger.Issuance;

/// <summary>Everything the Issuance host adds and maps; Program.cs stays a few lines.</summary>
public static class IssuanceHost
{
    public const string ServiceName = "issuance";

    public static WebApplicationBuilder AddIssuance(this WebApplicationBuilder builder)
    {
        builder.AddLedgerEventStore(ServiceName, (_, _) => { });
        builder.AddLedgerMessaging(ServiceName);
        return builder;
    }

    public static WebApplication MapIssuance(this WebApplication app) => app;
}
