using Ledger.ServiceDefaults.Hosting;
using Ledger.Revocation.Features;
using Ledger.Revocation.Features.AuthorizingRekeys;
using Ledger.Revocation.Features.Feeds;
using Ledger.Revocation.Features.LearningLicenses;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.Features.Watching;
using Ledger.Revocation.IntegrationEvents;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.Idempotency;
using Ledger.Replay;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;
using Ledger.NotaryClient;
using Marten;
using MassTransit;

namespace Ledger.Revocation;

/// <summary>Everything the Revocation host adds and maps; Program.cs stays a few lines.</summary>
public static class RevocationHost
{
    public const string ServiceName = "revocation";

    public static WebApplicationBuilder AddRevocation(this WebApplicationBuilder builder)
    {
        builder.AddLedgerEventStore(ServiceName, (options, _) =>
            {
                options.Events.AddEventTypes([typeof(LicenseWasRevoked), typeof(AttestationWasRevoked), typeof(LicenseRevisionSuperseded)]);
                options.Schema.For<RevocationRecord>().Index(r => r.FeedVersion);
                options.Schema.For<KnownLicense>().UseOptimisticConcurrency(true).Index(l => l.CustomerId);
                options.Schema.For<LicenseHorizon>().UseOptimisticConcurrency(true);
                options.Schema.For<AttestationHorizon>().UseOptimisticConcurrency(true);
                options.Schema.For<PendingLicenseEvent>().Index(p => p.Previous);
                options.Schema.For<IdempotencyRecord>();
            })
            .Snapshot<RevocationLog>("revocation-log")
            .PublishIntegrationEvents<RevocationEventMap>();
        builder.AddLedgerMessaging(ServiceName, bus =>
        {
            // The messages a learning queue delivers at once are what one learning commit can group (LicenseLearning).
            bus.AddConsumer<LicenseIssuedConsumer, RetryingConsumerDefinition<LicenseIssuedConsumer>>().Endpoint(e => e.PrefetchCount = LicenseLearning.Prefetch);
            bus.AddConsumer<LicenseImportedConsumer, RetryingConsumerDefinition<LicenseImportedConsumer>>().Endpoint(e => e.PrefetchCount = LicenseLearning.Prefetch);
            bus.AddConsumer<LicenseRenewedConsumer, RetryingConsumerDefinition<LicenseRenewedConsumer>>().Endpoint(e => e.PrefetchCount = LicenseLearning.Prefetch);
            bus.AddConsumer<LicenseCapabilitiesChangedConsumer, RetryingConsumerDefinition<LicenseCapabilitiesChangedConsumer>>().Endpoint(e => e.PrefetchCount = LicenseLearning.Prefetch);
            bus.AddConsumer<IssuanceHeartbeatConsumer, RetryingConsumerDefinition<IssuanceHeartbeatConsumer>>();
            bus.AddConsumer<AttestationRevokedConsumer, RetryingConsumerDefinition<AttestationRevokedConsumer>>();
        });
        builder.AddNotaryClients();
        builder.AddLearningCatchUp();
        builder.AddAttestationCatchUp();

        builder.Services.AddValidatedSettings<FeedPolicy.Settings>(FeedPolicy.Section);
        builder.Services.AddSingleton(sp => FeedPolicy.From(sp.Settings<FeedPolicy.Settings>()));
        builder.Services.AddSingleton<RevocationSignal>();
        builder.Services.AddSingleton<Revoker>();
        builder.Services.AddSingleton<IdempotentRequests>();
        builder.Services.AddSingleton<LicenseLearning>();
        builder.Services.AddSingleton<RekeyAuthorization>();
        builder.Services.AddSingleton<TrustedJwks>();
        builder.Services.AddSingleton<FeedSigner>();
        builder.Services.AddSingleton<FeedMetrics>();
        builder.Services.AddSingleton<FeedPublisher>();
        builder.Services.AddSingleton<FilterPublisher>();
        builder.Services.AddSingleton<Ledger.Revocation.Features.FluxInterop.FluxRevocationSetPublisher>();
        builder.Services.AddValidatedSettings<RevocationWatch.Settings>("Ledger:Revocation");
        builder.Services.AddSingleton<RevocationWatch>();
        return builder;
    }

    public static WebApplication MapRevocation(this WebApplication app)
    {
        app.MapGrpcService<RevocationsService>();
        app.MapFeeds();
        app.MapLedgerReplay();
        return app;
    }
}
