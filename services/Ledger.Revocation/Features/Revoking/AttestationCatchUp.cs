using System.Text.Json;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using JasperFx;
using Ledger.ClientTokens;
using Ledger.IntegrationEvents.V1;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using Marten.Schema;
using Microsoft.Extensions.Options;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;
using ListPublishedEventsRequest = Ledger.Contracts.Admin.V1.ListPublishedEventsRequest;

namespace Ledger.Revocation.Features.Revoking;

/// <summary>
/// Closes what RabbitMQ will not for withdrawn attestations: an <see cref="AttestationRevoked"/>
/// published before Revocation's queue was bound (a Revocation started after Attestation, or added
/// to a running ledger with an empty database), or one that went to the error queue. At start and
/// every <see cref="Settings.AttestationIntervalSeconds"/>, Revocation reads the events Attestation
/// already published after its <see cref="AttestationHorizon"/> (Admin.ListPublishedEvents at
/// <c>Ledger:Attestation:Url</c>, as Revocation's identity with the event-reader role) and revokes
/// each attestation they withdraw through <see cref="Revoker"/>, the broker copy's path: once,
/// whichever arrives first. The horizon moves only after the page's revocations committed, so a
/// crash or a second replica repeats work (idempotent by attestation id) and never skips it.
/// The clock only decides when to ask; what is revoked is Attestation's record.
/// </summary>
public sealed class AttestationCatchUp(
    IDocumentStore store, Revoker revoker, GrpcClientFactory clients, IOptions<AttestationCatchUp.Settings> settings,
    IOptions<AttestationCatchUp.AttestationSettings> attestation, ILogger<AttestationCatchUp> logger, TimeProvider clock) : BackgroundService
{
    /// <summary>The name of Revocation's client to Attestation's Admin service.</summary>
    public const string ClientName = "attestation";

    public const string AttestationSection = "Ledger:Attestation";

    /// <summary>Attestation's gRPC address (env: Ledger__Attestation__Url).</summary>
    public const string AttestationUrlSetting = "Ledger:Attestation:Url";
    public const string DefaultAttestationUrl = "http://127.0.0.1:5041";
    private const int Page = 500;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.Value.AttestationIntervalSeconds), clock);
        do
        {
            try
            {
                await CatchUpAsync(stoppingToken);
            }
            catch (RpcException) when (stoppingToken.IsCancellationRequested)
            {
                // The service is stopping and cancelled the call with it: nothing failed.
                return;
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(
                    "Revocation cannot read the attestation revocations Attestation published from Attestation at {Url} ({Status}: {Detail}); it keeps receiving them on RabbitMQ and asks again. " +
                    "Check {Setting} and that Revocation's client identity holds the event-reader role.",
                    attestation.Value.Address, e.StatusCode, e.Status.Detail, AttestationUrlSetting);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Catching up on Attestation's revocations failed; retrying");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass: revoke what Attestation listed after the horizon, page by page, then move the horizon past it.</summary>
    internal async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var admin = clients.CreateClient<AdminClient>(ClientName);
        while (true)
        {
            AttestationHorizon horizon;
            await using (var session = store.QuerySession())
            {
                horizon = await session.LoadAsync<AttestationHorizon>(AttestationHorizon.DocumentId, cancellationToken) ?? new AttestationHorizon();
            }

            var after = horizon.Sequence;
            var page = await admin.ListPublishedEventsAsync(
                new ListPublishedEventsRequest { AfterSequence = after, MaxEvents = Page },
                deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken);
            if (page.Events.Count == 0)
            {
                if (page.PublishedThrough < after)
                {
                    // Attestation's sequence restarted below what was read (its database restored or replaced):
                    // read it all again; recording a revocation twice records it once.
                    logger.LogWarning(
                        "Attestation has published through sequence {PublishedThrough}, below the {Horizon} Revocation had read; reading Attestation's events again from the start",
                        page.PublishedThrough, after);
                    await AdvanceAsync(horizon, 0, cancellationToken);
                }

                return;
            }

            var withdrawn = Withdrawn(page.Events);
            var recorded = (await LoadRecordedAsync(withdrawn.Select(w => w.AttestationId), cancellationToken)).ToHashSet();
            var revoked = 0;
            foreach (var message in withdrawn.Where(w => !recorded.Contains(w.AttestationId)))
            {
                var outcome = await revoker.RevokeAttestationAsync(message.AttestationId, message.Reason, message.ExpiresAt, AttestationRevokedConsumer.RequestedBy, cancellationToken);
                revoked += outcome.NewlyRevoked ? 1 : 0;
            }

            var through = page.Events[^1].Sequence;
            await AdvanceAsync(horizon, through, cancellationToken);
            if (revoked > 0)
            {
                logger.LogInformation(
                    "Caught up on {Count} attestation revocation(s) RabbitMQ had not delivered, from Attestation's events {After} to {Through}",
                    revoked, after + 1, through);
            }

            if (page.Events.Count < Page)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The attestation revocations among a page of Attestation's events. One Revocation cannot read is
    /// logged as an error naming its sequence and passed over, so it does not hold back every later one.
    /// </summary>
    private List<AttestationRevoked> Withdrawn(IEnumerable<Contracts.Admin.V1.PublishedEvent> events)
    {
        var withdrawn = new List<AttestationRevoked>();
        foreach (var published in events.Where(e => e.MessageType == $"Ledger.IntegrationEvents.V1:{nameof(AttestationRevoked)}"))
        {
            try
            {
                withdrawn.Add(JsonSerializer.Deserialize<AttestationRevoked>(published.MessageJson, Json)
                    ?? throw new JsonException("the body is null"));
            }
            catch (JsonException e)
            {
                logger.LogError(
                    "Attestation listed event {Sequence} as an AttestationRevoked Revocation cannot read ({Reason}); it is passed over. Is Attestation newer than Revocation? Its copy on RabbitMQ goes to the error queue the same way.",
                    published.Sequence, e.Message);
            }
        }

        return withdrawn;
    }

    private async Task<IEnumerable<Guid>> LoadRecordedAsync(IEnumerable<Guid> attestationIds, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return (await session.LoadManyAsync<Revocations.RevocationRecord>(cancellationToken, attestationIds.Distinct())).Select(r => r.Id);
    }

    /// <summary>Moves the horizon; a replica that moved it first wins, and the next pass reads from there.</summary>
    private async Task AdvanceAsync(AttestationHorizon read, long through, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var isNew = read.Version == Guid.Empty;
        read.Sequence = through;
        if (isNew)
        {
            session.Insert(read);
        }
        else
        {
            session.Store(read);
        }

        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (e is ConcurrencyException or DocumentAlreadyExistsException)
        {
        }
    }

    /// <summary>The settings under <c>Ledger:Revocation:CatchUp</c>, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        /// <summary>How often Revocation asks Attestation for the revocations it published.</summary>
        public double AttestationIntervalSeconds { get; set; } = 30;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!(AttestationIntervalSeconds is >= 0.2 and <= 3600))
            {
                yield return ("AttestationIntervalSeconds", $"must be from 0.2 to 3600 seconds (was {AttestationIntervalSeconds})");
            }
        }
    }

    /// <summary>Where Attestation is, as bound from <see cref="AttestationSection"/>, checked at start.</summary>
    public sealed class AttestationSettings : GrpcAddressSettings
    {
        protected override string Service => "Attestation";

        protected override string DefaultUrl => DefaultAttestationUrl;
    }
}

/// <summary>
/// How far Revocation has read Attestation's published events: every attestation revocation at or
/// below <see cref="Sequence"/> is in the revocation log. One document, written with optimistic concurrency.
/// </summary>
public sealed class AttestationHorizon
{
    public static readonly Guid DocumentId = new("686f7269-7a6f-6e00-0000-000000000002");

    public Guid Id { get; set; } = DocumentId;

    /// <summary>Marten's version of the stored document: a write checks it.</summary>
    [Version]
    public Guid Version { get; set; }

    public long Sequence { get; set; }
}

public static class AttestationCatchUpRegistration
{
    /// <summary>Revocation's channel to Attestation's Admin service, authenticated as Revocation's identity, and the catch-up loop.</summary>
    public static WebApplicationBuilder AddAttestationCatchUp(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<AttestationCatchUp.Settings>(Ledger.Revocation.Features.LearningLicenses.LearningCatchUp.Section);
        builder.Services.AddValidatedSettings<AttestationCatchUp.AttestationSettings>(AttestationCatchUp.AttestationSection);
        builder.Services.AddCalleeClient<AdminClient>("attestation",
            services => services.Settings<AttestationCatchUp.AttestationSettings>().Address, AttestationCatchUp.ClientName);
        builder.Services.AddHostedService<AttestationCatchUp>();
        return builder;
    }
}
