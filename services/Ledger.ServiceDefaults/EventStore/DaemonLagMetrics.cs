using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using JasperFx.Events.Projections;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ledger.ServiceDefaults.EventStore;

/// <summary>
/// How far behind the async daemon is, per shard (the outbox subscription, async projections):
/// <c>ledger.daemon.lag</c> = the daemon's high-water mark minus the shard's progression, and
/// <c>ledger.daemon.high_water_lag</c> = the newest committed event minus the high-water mark
/// (events the daemon cannot see yet, such as behind a sequence gap it is still waiting out).
/// PostgreSQL is read at most once per <see cref="RefreshInterval"/>, however often Prometheus
/// scrapes; the gauges report the last reading. The gauges exist once per process, on the shared
/// meter, and report every live event store (tagged by database): OpenTelemetry listens to meters
/// by name across the process, so a gauge per host would collide with its twins.
/// </summary>
public sealed class DaemonLagMetrics : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private const string HighWaterMarkShard = "HighWaterMark";

    private static readonly ConcurrentDictionary<DaemonLagMetrics, byte> Live = new();

    private readonly IDocumentStore _store;
    private readonly ILogger<DaemonLagMetrics> _logger;
    private readonly KeyValuePair<string, object?> _service;
    private readonly KeyValuePair<string, object?> _database;
    private volatile Reading? _last;

    static DaemonLagMetrics()
    {
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.daemon.lag", () => Live.Keys.SelectMany(m => m.ObserveShardLag()), unit: "{event}",
            description: "Events the async daemon has not yet processed, per shard (projection or subscription): high-water mark minus the shard's progression");
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.daemon.high_water_lag", () => Live.Keys.SelectMany(m => m.ObserveHighWaterLag()), unit: "{event}",
            description: "Committed events above the async daemon's high-water mark (not yet visible to any shard)");
    }

    public DaemonLagMetrics(IDocumentStore store, string service, string database, ILogger<DaemonLagMetrics> logger)
    {
        _store = store;
        _logger = logger;
        _service = new KeyValuePair<string, object?>("service", service);
        _database = new KeyValuePair<string, object?>("database", database);
    }

    /// <summary>The last reading: events behind per shard, and events above the high-water mark.</summary>
    public Reading? Last => _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval);
        Live.TryAdd(this, 0);
        try
        {
            await RefreshUntilStoppedAsync(timer, stoppingToken);
        }
        finally
        {
            Live.TryRemove(this, out _);
        }
    }

    private async Task RefreshUntilStoppedAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        do
        {
            try
            {
                _last = await ReadAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A database outage is reported by the health checks; the gauges go quiet rather than stale.
                _last = null;
                _logger.LogDebug("Reading the async daemon's progress failed: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<Reading> ReadAsync(CancellationToken cancellationToken)
    {
        var progress = await _store.Advanced.AllProjectionProgress(token: cancellationToken);
        await using var session = _store.QuerySession();
        var newest = (await session.QueryAsync<long>(
            $"select coalesce(max(seq_id), 0) from {_store.Options.Events.DatabaseSchemaName}.mt_events", cancellationToken)).Single();
        var highWater = progress.FirstOrDefault(p => p.ShardName == HighWaterMarkShard)?.Sequence ?? 0;
        var shards = progress
            .Where(p => p.ShardName != HighWaterMarkShard)
            .ToDictionary(p => p.ShardName, p => Math.Max(0, highWater - p.Sequence));
        return new Reading(shards, Math.Max(0, newest - highWater));
    }

    private IEnumerable<Measurement<long>> ObserveShardLag() =>
        _last is { } reading
            ? reading.ShardLag.Select(s => new Measurement<long>(s.Value,
                _service, _database, new KeyValuePair<string, object?>("shard", s.Key)))
            : [];

    private IEnumerable<Measurement<long>> ObserveHighWaterLag() =>
        _last is { } reading
            ? [new Measurement<long>(reading.HighWaterLag, _service, _database)]
            : [];

    /// <summary>Events behind per shard name (<c>integration-events:All</c>), and committed events above the high-water mark.</summary>
    public sealed record Reading(IReadOnlyDictionary<string, long> ShardLag, long HighWaterLag);
}
