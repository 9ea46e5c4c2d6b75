using Ledger.Idempotency;
using Ledger.Notary.Custody;
using Ledger.Notary.Features.KeyManagement;
using Ledger.Notary.Features.Publishing;
using Ledger.Notary.Features.SignatureLog;
using Ledger.Notary.Features.Signing;
using Ledger.Notary.IntegrationEvents;
using Ledger.Notary.Keys;
using Ledger.Replay;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Hosting;
using Ledger.ServiceDefaults.Messaging;
using Marten;

namespace Ledger.Notary;

/// <summary>Everything the Notary host adds and maps; Program.cs stays a few lines.</summary>
public static class NotaryHost
{
    public const string ServiceName = "notary";

    public static WebApplicationBuilder AddNotary(this WebApplicationBuilder builder)
    {
        builder.AddLedgerEventStore(ServiceName, (options, _) =>
            {
                options.Events.AddEventTypes([typeof(KeyGenerated), typeof(KeyActivated), typeof(KeyRotatedOut), typeof(KeyRetired), typeof(KeyMarkedCompromised)]);
                options.Schema.For<WrappedPrivateKey>();
                options.Schema.For<IdempotencyRecord>();
                options.Storage.ExtendedSchemaObjects.Add(KeyUsage.Table(ServiceName));
                options.Storage.ExtendedSchemaObjects.AddRange(SignatureLogStore.Tables(ServiceName));
            })
            .Snapshot<SigningKey>("signing-keys")
            .PublishIntegrationEvents<NotaryEventMap>();
        builder.AddLedgerMessaging(ServiceName);

        // Feeds are signed whole: room for a full feed and its framing.
        builder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.MaxReceiveMessageSize = Signer.MaxFeedPayloadBytes + (1024 * 1024));
        builder.Services.AddSingleton(sp => RootKey.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<IKeyCustody, EnvelopeKeyCustody>();
        builder.Services.AddSingleton<KeyRing>();
        builder.Services.AddSingleton<KeyUsage>();
        builder.Services.AddSingleton<IdempotentRequests>();
        builder.Services.AddSingleton<KeyLifecycle>();
        builder.Services.AddValidatedSettings<SigningLimits.Settings>(SigningLimits.Section);
        builder.Services.AddSingleton(sp => SigningLimits.From(sp.GetRequiredService<LedgerIssuer>(), sp.Settings<SigningLimits.Settings>()));
        builder.Services.AddSingleton<SigningRules>();
        builder.Services.AddValidatedSettings<RevocationLogHead.Settings>("Ledger:Notary");
        builder.Services.AddHttpClient(RevocationLogHead.ClientName);
        builder.Services.AddSingleton<RevocationLogHead>();
        builder.Services.AddSingleton<Signer>();
        builder.Services.AddSingleton<SignatureLogStore>();
        builder.Services.AddSingleton<SignatureTree>();
        builder.Services.AddValidatedSettings<SignatureLog.Settings>("Ledger:Notary");
        builder.Services.AddSingleton<SignatureLog>();
        builder.Services.AddSingleton<ISignatureLogExport, SignatureLogExport>();
        builder.Services.AddHostedService<KeyRingBootstrap>();
        builder.Services.AddValidatedSettings<KeyLifecycleSweep.Settings>("Ledger:Notary");
        builder.Services.AddHostedService<KeyLifecycleSweep>();
        builder.Services.AddValidatedSettings<CheckpointPublisher.Settings>("Ledger:Notary");
        builder.Services.AddHostedService<CheckpointPublisher>();
        return builder;
    }

    public static WebApplication MapNotary(this WebApplication app)
    {
        app.MapGrpcService<SigningService>();
        app.MapGrpcService<KeysService>();
        app.MapGrpcService<SignatureLogService>();
        app.MapJwks();
        app.MapLedgerReplay();
        app.MapSignatureLog();
        return app;
    }
}
