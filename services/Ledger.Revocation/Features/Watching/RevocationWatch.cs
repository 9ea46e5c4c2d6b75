using System.Runtime.CompilerServices;
using Ledger.Revocation.Revocations;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using Microsoft.Extensions.Options;

namespace Ledger.Revocation.Features.Watching;

/// <summary>
/// Revocations after a version, in feed order, then each new one as it commits: woken at once
/// by this replica's commits and polling for other replicas'.
/// </summary>
public sealed class RevocationWatch(IDocumentStore store, RevocationSignal signal, IOptions<RevocationWatch.Settings> settings)
{
    public const string MaxWatchersSetting = "Ledger:Revocation:MaxWatchers";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    // Each watch holds a stream and polls PostgreSQL: a replica serves a bounded number.
    private readonly SemaphoreSlim _slots = new(settings.Value.MaxWatchers);

    /// <summary>The cap on watches, as bound from Ledger:Revocation, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        public int MaxWatchers { get; set; } = 200;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (MaxWatchers is < 1 or > 10_000)
            {
                yield return ("MaxWatchers", $"must be from 1 to 10000 watches per replica (was {MaxWatchers})");
            }
        }
    }

    /// <summary>A slot for one watch, or null when the replica is full; dispose it when the watch ends.</summary>
    public IDisposable? TryEnter() => _slots.Wait(0) ? new Slot(_slots) : null;

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }

    public async IAsyncEnumerable<RevocationRecord> FollowAsync(long afterVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = afterVersion;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = signal.Next;
            IReadOnlyList<RevocationRecord> batch;
            await using (var session = store.QuerySession())
            {
                batch = await session.Query<RevocationRecord>()
                    .Where(r => r.FeedVersion > last && r.Kind != RevocationRecord.SupersededKind)
                    .OrderBy(r => r.FeedVersion)
                    .Take(500)
                    .ToListAsync(cancellationToken);
            }

            foreach (var record in batch)
            {
                yield return record;
                last = record.FeedVersion;
            }

            if (batch.Count < 500)
            {
                await Task.WhenAny(wake, Task.Delay(PollInterval, cancellationToken));
            }
        }
    }
}
