using System.Diagnostics.Metrics;
using JasperFx;
using JasperFx.Events.Daemon;
using Ledger.ServiceDefaults.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ledger.ServiceDefaults.EventStore;

/// <summary>
/// Starts again a daemon shard (the outbox subscription, an async projection) that stopped for
/// good on this replica. Marten's HotCold coordinator restarts a shard that paused on an error, but
/// one whose progression row moved underneath it (<see cref="ProgressionProgressOutOfOrderException"/>)
/// is marked stopped and left registered: the coordinator never starts it again, and this replica
/// keeps the daemon's lock, so no other replica takes over. A PostgreSQL failover causes exactly
/// that (the promoted standby's row is not the one the shard last wrote), and the outbox then
/// published nothing more until the process restarted. Every <see cref="CheckInterval"/>, a stopped
/// shard is dropped from the daemon; the coordinator's next pass starts it from the progression in
/// the database (the outbox may publish a few events again: consumers deduplicate by message id).
/// </summary>
public sealed class StoppedShardRestarter(Marten.Events.Daemon.Coordination.IProjectionCoordinator coordinator, ILogger<StoppedShardRestarter> logger) : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    private static readonly Counter<long> Restarts = LedgerTelemetry.Meter.CreateCounter<long>(
        "ledger.daemon.shard_restarts", "{shard}", "Daemon shards (outbox, async projections) that had stopped for good and were started again");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                RestartStopped(coordinator.DaemonForMainDatabase());
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Could not check the async daemon's shards; checking again in {Interval}", CheckInterval);
            }
        }
    }

    /// <summary>Drops every stopped shard from <paramref name="daemon"/>, so its coordinator starts it again; returns how many.</summary>
    public int RestartStopped(IProjectionDaemon daemon)
    {
        var restarted = 0;
        foreach (var agent in daemon.CurrentAgents())
        {
            if (agent.Status != AgentStatus.Stopped)
            {
                continue;
            }

            logger.LogWarning(
                "Daemon shard {Shard} stopped at sequence {Position} ({Failure}) and Marten does not start a stopped shard again; " +
                "dropping it so the coordinator starts it from the progression in the database",
                agent.Name.Identity, agent.Position, agent.Failure?.Category.ToString() ?? "no failure recorded");
            daemon.EjectPausedShard(agent.Name.Identity);
            Restarts.Add(1, new KeyValuePair<string, object?>("shard", agent.Name.Identity));
            restarted++;
        }

        return restarted;
    }
}
