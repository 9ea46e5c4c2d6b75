using Ledger.Issuance.Features;
using Ledger.Issuance.Features.ChangingCapabilities;
using Ledger.Issuance.Features.Heartbeat;
using Ledger.Issuance.Features.Importing;
using Ledger.Issuance.Features.Issuing;
using Ledger.Issuance.Features.Querying;
using Ledger.Issuance.Features.Receipts;
using Ledger.Issuance.Features.RecordingRevocations;
using Ledger.Issuance.Features.Renewing;
using Ledger.Idempotency;
using Ledger.Issuance.IntegrationEvents;
using Ledger.Issuance.Licenses;
using Ledger.Issuance.Revocations;
using Ledger.Issuance.Signing;
using Ledger.Replay;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ServiceDefaults.Messaging;
using Ledger.NotaryClient;
using Marten;
using MassTransit;

namespace Ledger.Issuance;

/// <summary>Everything the Issuance host adds and maps; Program.cs stays a few lines.</summary>
public static class IssuanceHost
{
    public const string ServiceName = "issuance";

    public static WebApplicationBuilder AddIssuance(this WebApplicationBuilder builder)
    {
        builder.AddLedgerEventStore(ServiceName, (options, _) =>
            {
                options.Events.AddEventTypes([typeof(LicenseIssued), typeof(LicenseRenewed), typeof(LicenseCapabilitiesChanged), typeof(LicenseRevocationRecorded), typeof(HeartbeatRecorded), typeof(LicenseImported)]);
                options.Schema.For<License>()
                    .Index(l => l.CustomerId)
                    .Index(l => l.IssuedAt);
                options.Schema.For<IdempotencyRecord>();
                options.Schema.For<CustomerPseudonym>();
                options.Schema.For<LicenseKeyLogEntry>();
            })
            .Snapshot<License>("licenses")
            .PublishIntegrationEvents<IssuanceEventMap>();
        builder.AddLedgerMessaging(ServiceName, bus => bus.AddConsumer<LicenseRevokedConsumer, RetryingConsumerDefinition<LicenseRevokedConsumer>>());
        builder.AddNotaryClients();
        builder.AddRekeyClearance();

        builder.Services.AddSingleton<LicenseSigner>();
        builder.Services.AddSingleton<IdempotentRequests>();
        builder.Services.AddSingleton<LicenseIssuer>();
        builder.Services.AddSingleton<IssueGroupCommit>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IssueGroupCommit>());
        builder.Services.AddSingleton<LicenseRenewal>();
        builder.Services.AddSingleton<CapabilityChange>();
        builder.Services.AddSingleton<LicenseQueries>();
        builder.Services.AddSingleton<LicenseReceipts>();
        builder.Services.AddSingleton<LicenseRing>();
        builder.Services.AddSingleton<LicenseImport>();
        builder.Services.AddValidatedSettings<IssuanceHeartbeats.Settings>("Ledger:Issuance");
        builder.Services.AddHostedService<IssuanceHeartbeats>();
        return builder;
    }

    public static WebApplication MapIssuance(this WebApplication app)
    {
        app.MapGrpcService<LicensesService>();
        app.MapLedgerReplay();
        return app;
    }
}
