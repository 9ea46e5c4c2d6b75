using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Ledger.Revocation.Features.Revoking;
using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>
/// The newest full or delta feed this replica signed, as gauges: <c>ledger.feed.version</c> and
/// <c>ledger.feed.age</c> (seconds since it was signed). Feeds are signed on demand, so the age
/// grows between requests; verifiers must refresh before the feed's <c>exp</c> (24 h by default).
/// The gauges exist once per process on the shared meter and report every live publisher (tagged
/// by issuer): OpenTelemetry listens to meters by name across the process.
/// </summary>
public sealed class FeedMetrics : IDisposable
{
    private static readonly ConcurrentDictionary<FeedMetrics, byte> Live = new();

    private readonly TimeProvider _clock;
    private readonly KeyValuePair<string, object?> _issuer;
    private SignedFeed? _newest;

    static FeedMetrics()
    {
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.feed.version", () => Live.Keys.SelectMany(f => f.ObserveVersion()), unit: "{version}",
            description: "Version of the newest revocation feed signed");
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.feed.age", () => Live.Keys.SelectMany(f => f.ObserveAge()), unit: "s",
            description: "Seconds since the newest revocation feed was signed");
    }

    public FeedMetrics(LedgerIssuer issuer, TimeProvider clock)
    {
        _clock = clock;
        _issuer = new KeyValuePair<string, object?>("issuer", issuer.Name);
        Live.TryAdd(this, 0);
    }

    public void Dispose() => Live.TryRemove(this, out _);

    public void Signed(SignedFeed feed)
    {
        while (true)
        {
            var newest = Volatile.Read(ref _newest);
            if (newest is not null && (newest.Version > feed.Version || (newest.Version == feed.Version && newest.SignedAt >= feed.SignedAt)))
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _newest, feed, newest) == newest)
            {
                return;
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveVersion() =>
        Volatile.Read(ref _newest) is { } feed ? [new Measurement<long>(feed.Version, _issuer)] : [];

    private IEnumerable<Measurement<double>> ObserveAge() =>
        Volatile.Read(ref _newest) is { } feed ? [new Measurement<double>(Math.Max(0, (_clock.GetUtcNow() - feed.SignedAt).TotalSeconds), _issuer)] : [];
}
