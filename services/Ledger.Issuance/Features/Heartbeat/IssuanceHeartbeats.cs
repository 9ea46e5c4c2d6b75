using Ledger.ServiceDefaults.Hosting;
using Marten;
using Microsoft.Extensions.Options;

namespace Ledger.Issuance.Features.Heartbeat;

/// <summary>Issuance was alive at <paramref name="At"/>; appended to its own stream when Issuance was quiet.</summary>
public sealed record HeartbeatRecorded(DateTimeOffset At);

/// <summary>
/// Keeps Issuance's event sequence moving when no license changes: every <see cref="Interval"/>
/// without an appended event, it appends a <see cref="HeartbeatRecorded"/> (published as
/// <c>IssuanceHeartbeat</c>). Subscribers that follow the sequence (Revocation's horizon of known
/// licenses, and so the filter's <c>covers_until</c>) then advance in quiet periods too.
/// </summary>
public sealed class IssuanceHeartbeats(IDocumentStore store, TimeProvider clock, IOptions<IssuanceHeartbeats.Settings> settings, ILogger<IssuanceHeartbeats> logger)
    : BackgroundService
{
    public const string IntervalSetting = "Ledger:Issuance:HeartbeatSeconds";

    /// <summary>The heartbeat's interval, as bound from Ledger:Issuance, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        public int HeartbeatSeconds { get; set; } = 30;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (HeartbeatSeconds is < 1 or > 3600)
            {
                yield return ("HeartbeatSeconds", $"must be from 1 to 3600 seconds (was {HeartbeatSeconds})");
            }
        }
    }

    /// <summary>The heartbeats' stream id (a fixed UUID).</summary>
    public static readonly Guid StreamId = new("69737375-616e-6365-6862-000000000001");

    private TimeSpan Interval => TimeSpan.FromSeconds(settings.Value.HeartbeatSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, stoppingToken);
                await BeatIfQuietAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not record Issuance's heartbeat (retrying in {Interval}): {Reason}", Interval, e.Message);
            }
        }
    }

    private async Task BeatIfQuietAsync(CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var now = clock.GetUtcNow();
        var newest = await session.Events.QueryAllRawEvents().OrderByDescending(e => e.Sequence).FirstOrDefaultAsync(cancellationToken);
        if (newest is not null && now - newest.Timestamp < Interval)
        {
            return;
        }

        session.Events.Append(StreamId, new HeartbeatRecorded(now));
        await session.SaveChangesAsync(cancellationToken);
    }
}
