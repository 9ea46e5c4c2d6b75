using Ledger.Attestation.Attestations;
using Ledger.Attestation.Features;
using Ledger.Attestation.Features.AttestingArtifacts;
using Ledger.Attestation.Features.AttestingManifests;
using Ledger.Attestation.Features.Countersigning;
using Ledger.Attestation.Features.ManagingVendorKeys;
using Ledger.Attestation.Features.Querying;
using Ledger.Attestation.Features.Revoking;
using Ledger.Attestation.Features.Verifying;
using Ledger.Idempotency;
using Ledger.Attestation.IntegrationEvents;
using Ledger.Attestation.Signing;
using Ledger.Attestation.VendorKeys;
using Ledger.Replay;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Messaging;
using Ledger.NotaryClient;
using Marten;

namespace Ledger.Attestation;

/// <summary>Everything the Attestation host adds and maps; Program.cs stays a few lines.</summary>
public static class AttestationHost
{
    public const string ServiceName = "attestation";

    public static WebApplicationBuilder AddAttestation(this WebApplicationBuilder builder)
    {
        builder.AddLedgerEventStore(ServiceName, (options, _) =>
            {
                options.Events.AddEventTypes([typeof(AttestationIssued), typeof(AttestationRevoked), typeof(VendorKeyRegistered), typeof(VendorKeyRemoved)]);
                options.Schema.For<AttestationRecord>()
                    .Index(a => a.IssuedAt)
                    .Index(a => a.VendorId!);
                options.Schema.For<IdempotencyRecord>();
            })
            .Snapshot<AttestationRecord>("attestations")
            .Snapshot<VendorKeyRing>("vendor-key-rings")
            .PublishIntegrationEvents<AttestationEventMap>();
        builder.AddLedgerMessaging(ServiceName);
        builder.AddNotaryClients();

        builder.Services.AddSingleton<AttestationSigner>();
        builder.Services.AddSingleton<NotaryAttestationKeys>();
        builder.Services.AddSingleton<IdempotentRequests>();
        builder.Services.AddSingleton<AttestationRecorder>();
        builder.Services.AddSingleton<ArtifactAttestation>();
        builder.Services.AddSingleton<ManifestAttestation>();
        builder.Services.AddSingleton<Countersigner>();
        builder.Services.AddSingleton<AttestationVerification>();
        builder.Services.AddSingleton<AttestationRevocation>();
        builder.Services.AddSingleton<AttestationQueries>();
        builder.Services.AddSingleton<VendorKeyRingChanges>();
        return builder;
    }

    public static WebApplication MapAttestation(this WebApplication app)
    {
        app.MapGrpcService<AttestationsService>();
        app.MapGrpcService<VendorKeysService>();
        app.MapLedgerReplay();
        return app;
    }
}
