using System.Runtime.CompilerServices;
using Ledger.Revocation.Revocations;
using Marten;

namespace Ledger.Revocation.Features.Watching;

/// <summary>
/// Revocations after a version, in feed order, then each new one as it commits: woken at once
/// by this replica's commits and polling for other replicas'.
/// </summary>
public sealed class RevocationWatch(IDocumentStore store, RevocationSignal signal)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

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
                    .Where(r => r.FeedVersion > last)
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
