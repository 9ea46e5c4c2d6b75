using Grpc.Core;
using Grpc.Net.ClientFactory;
using Ledger.ClientTokens;
using Ledger.Revocation.KnownLicenses;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using Microsoft.Extensions.Options;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;
using ListPublishedEventsRequest = Ledger.Contracts.Admin.V1.ListPublishedEventsRequest;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>
/// Closes a gap in Issuance's order that RabbitMQ will not close: events published before
/// Revocation's queues were bound (a Revocation started after Issuance, or added to a running
/// ledger with an empty database), or a message that went to an error queue. When an Issuance event
/// has waited for its predecessor longer than <see cref="Settings.GraceSeconds"/>, Revocation asks
/// Issuance for the events it already published after the horizon (Admin.ListPublishedEvents, as
/// Revocation's identity with the event-reader role) and applies them through
/// <see cref="LicenseLearning"/>, the same path as the broker's copies: in order, once, whichever
/// arrives first. The clock only decides when to ask; what is learned is Issuance's record.
/// </summary>
public sealed class LearningCatchUp(
    IDocumentStore store, LicenseLearning learning, GrpcClientFactory clients, IOptions<LearningCatchUp.Settings> settings,
    IOptions<LearningCatchUp.IssuanceSettings> issuanceSettings, ILogger<LearningCatchUp> logger, TimeProvider clock) : BackgroundService
{
    public const string Section = "Ledger:Revocation:CatchUp";

    /// <summary>The name of Revocation's client to Issuance's Admin service.</summary>
    public const string ClientName = "issuance";

    /// <summary>The section of <see cref="IssuanceSettings"/>.</summary>
    public const string IssuanceSection = "Ledger:Issuance";

    /// <summary>Issuance's gRPC address (env: Ledger__Issuance__Url).</summary>
    public const string IssuanceUrlSetting = "Ledger:Issuance:Url";
    public const string DefaultIssuanceUrl = "http://127.0.0.1:5021";
    private const int Page = 500;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var grace = TimeSpan.FromSeconds(settings.Value.GraceSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, grace.Ticks / 2)), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CatchUpAsync(grace, stoppingToken);
            }
            catch (RpcException) when (stoppingToken.IsCancellationRequested)
            {
                // The service is stopping and cancelled the call with it: nothing failed.
                return;
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(
                    "Revocation cannot fetch the Issuance events it is missing from Issuance at {Url} ({Status}: {Detail}); it keeps waiting for them on RabbitMQ and asks again. " +
                    "Check {Setting} and that Revocation's client identity holds the event-reader role.",
                    issuanceSettings.Value.Address, e.StatusCode, e.Status.Detail, IssuanceUrlSetting);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Catching up on Issuance's events failed; retrying");
            }
        }
    }

    /// <summary>One pass: while an event has waited past the grace, fetch and apply what follows the horizon.</summary>
    internal async Task CatchUpAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        while (true)
        {
            long horizon;
            await using (var session = store.QuerySession())
            {
                var waitingSince = await session.Query<PendingLicenseEvent>().OrderBy(p => p.ReceivedAt).Select(p => p.ReceivedAt).FirstOrDefaultAsync(cancellationToken);
                if (waitingSince == default || clock.GetUtcNow() - waitingSince < grace)
                {
                    return;
                }

                horizon = (await session.LoadAsync<LicenseHorizon>(LicenseHorizon.DocumentId, cancellationToken))?.Sequence ?? 0;
            }

            var page = await clients.CreateClient<AdminClient>(ClientName).ListPublishedEventsAsync(
                new ListPublishedEventsRequest { AfterSequence = horizon, MaxEvents = Page },
                deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken);
            var events = new List<LicenseLearning.IssuanceEvent>(page.Events.Count);
            foreach (var published in page.Events)
            {
                var type = published.MessageType[(published.MessageType.LastIndexOf(':') + 1)..];
                if (!published.MessageType.StartsWith("Ledger.IntegrationEvents.V1:", StringComparison.Ordinal) ||
                    LicenseLearning.Read(type, published.MessageJson) is not { } message)
                {
                    throw new InvalidOperationException(
                        $"Issuance listed event {published.Sequence} as {published.MessageType}, which Revocation does not learn from; is Issuance newer than Revocation?");
                }

                events.Add(new LicenseLearning.IssuanceEvent(message, published.Sequence, published.PreviousSequence));
            }

            // The page is learned in one commit (or a few, at most LicenseLearning.MaxEventsPerCommit each).
            await learning.LearnManyAsync(events, cancellationToken);
            var applied = events.Count;

            logger.LogInformation(
                "Caught up on {Count} Issuance event(s) after sequence {Horizon} from Issuance (published through {PublishedThrough})",
                applied, horizon, page.PublishedThrough);
            if (page.Events.Count < Page)
            {
                return;
            }
        }
    }

    /// <summary>The settings under <see cref="Section"/>, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        /// <summary>How long an Issuance event waits for its predecessor on RabbitMQ before Revocation asks Issuance.</summary>
        public double GraceSeconds { get; set; } = 10;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!(GraceSeconds is >= 0.2 and <= 3600))
            {
                yield return ("GraceSeconds", $"must be from 0.2 to 3600 seconds (was {GraceSeconds})");
            }
        }
    }

    /// <summary>Where Issuance is, as bound from <see cref="IssuanceSection"/>, checked at start.</summary>
    public sealed class IssuanceSettings : GrpcAddressSettings
    {
        protected override string Service => "Issuance";

        protected override string DefaultUrl => DefaultIssuanceUrl;
    }
}

public static class LearningCatchUpRegistration
{
    /// <summary>Revocation's channel to Issuance's Admin service, authenticated as Revocation's identity, and the catch-up loop.</summary>
    public static WebApplicationBuilder AddLearningCatchUp(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedSettings<LearningCatchUp.Settings>(LearningCatchUp.Section);
        builder.Services.AddValidatedSettings<LearningCatchUp.IssuanceSettings>(LearningCatchUp.IssuanceSection);
        builder.Services.AddCalleeClient<AdminClient>("issuance",
            services => services.Settings<LearningCatchUp.IssuanceSettings>().Address, LearningCatchUp.ClientName);
        builder.Services.AddHostedService<LearningCatchUp>();
        return builder;
    }
}
