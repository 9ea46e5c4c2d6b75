using System.Diagnostics.Metrics;
using System.Text.Json;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Verification;
using Marten;
using V1 = Ledger.IntegrationEvents.V1;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>
/// Applies Issuance's events (LicenseIssued, LicenseImported, LicenseRenewed, LicenseCapabilitiesChanged,
/// IssuanceHeartbeat) in Issuance's commit order. Each message says its own sequence and the
/// sequence of the message Issuance published before it; one that arrives before its predecessor
/// (another queue, a redelivery, a backlog) waits as a <see cref="PendingLicenseEvent"/> until the
/// gap closes, with a log line naming the missing range and the <c>ledger.revocation.learning.waiting</c>
/// gauge. Every step moves <see cref="LicenseHorizon"/> under optimistic concurrency, so replicas
/// and queues never apply an event twice or out of order; a conflict throws and the consumer retries.
/// A downgrade (a capability removed, or an expiry moved earlier) appends a revision floor to the
/// revocation log in the same commit, so the floors enter feeds in Issuance's order.
/// </summary>
public sealed class LicenseLearning(IDocumentStore store, LedgerIssuer issuer, ILogger<LicenseLearning> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static long _horizon;
    private static long _waiting;

    private static readonly Counter<long> Floors =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.revocation.revision_floors", description: "Revision floors published after a license downgrade");

    /// <summary>A downgrade learned in this batch: keys of the license below <paramref name="Revision"/> are superseded.</summary>
    private sealed record Downgrade(KnownLicense License, int Revision, DateTimeOffset At, long Sequence);

    /// <summary>
    /// Unacknowledged messages each learning queue hands Revocation at once (RabbitMQ prefetch; MassTransit runs
    /// as many consumers at a time): what a commit can group from one queue while the previous one commits.
    /// </summary>
    public const int Prefetch = 128;

    /// <summary>Most events one learning commit applies: bounds the transaction while a backlog drains.</summary>
    public const int MaxEventsPerCommit = 500;

    /// <summary>An Issuance event to learn, with its place in Issuance's order.</summary>
    public sealed record IssuanceEvent(object Message, long Sequence, long Previous);

    private sealed record Queued(IssuanceEvent Event, TaskCompletionSource Learned);

    // Group commit: one learner per replica at a time (conflicts are then only between replicas); the
    // events that arrive while it commits are learned together in its next commit.
    private readonly Lock _queueLock = new();
    private readonly List<Queued> _queue = [];
    private bool _learning;

    private static readonly Histogram<int> CommitSizes =
        LedgerTelemetry.Meter.CreateHistogram<int>("ledger.revocation.learning.batch_size", unit: "{event}", description: "Issuance events applied per learning commit");

    static LicenseLearning()
    {
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.revocation.learning.horizon", () => Volatile.Read(ref _horizon), unit: "{sequence}",
            description: "Highest Issuance event sequence up to which Revocation applied every license event");
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.revocation.learning.waiting", () => Volatile.Read(ref _waiting), unit: "{event}",
            description: "Issuance events received out of order, waiting for a missing predecessor");
    }

    /// <summary>
    /// Learns one event: completes once the commit that applied it (or stored it to wait for its gap, or
    /// found it applied already) has committed, so the consumer acknowledges the message only then. Events
    /// from concurrent consumers (every Issuance queue) share commits.
    /// </summary>
    public Task LearnAsync(object message, long sequence, long previous, CancellationToken cancellationToken) =>
        LearnManyAsync([new IssuanceEvent(message, sequence, previous)], cancellationToken);

    /// <summary>Learns several events (a page Issuance listed), in the same commits as any others queued.</summary>
    public Task LearnManyAsync(IReadOnlyList<IssuanceEvent> events, CancellationToken cancellationToken)
    {
        var queued = events.Select(e => new Queued(e, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))).ToList();
        bool lead;
        lock (_queueLock)
        {
            _queue.AddRange(queued);
            lead = !_learning;
            _learning = true;
        }

        if (lead)
        {
            // Not the caller's token: the commit serves every queued caller, and an event applied after one
            // caller gave up is a no-op when its message is redelivered.
            _ = Task.Run(LearnQueuedAsync, CancellationToken.None);
        }

        return Task.WhenAll(queued.Select(q => q.Learned.Task)).WaitAsync(cancellationToken);
    }

    private async Task LearnQueuedAsync()
    {
        while (true)
        {
            List<Queued> batch;
            lock (_queueLock)
            {
                if (_queue.Count == 0)
                {
                    _learning = false;
                    return;
                }

                var count = Math.Min(_queue.Count, MaxEventsPerCommit);
                batch = _queue.GetRange(0, count);
                _queue.RemoveRange(0, count);
            }

            try
            {
                await CommitAsync([.. batch.Select(q => q.Event)], CancellationToken.None);
                CommitSizes.Record(batch.Count);
                batch.ForEach(q => q.Learned.TrySetResult());
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One event that cannot be applied (or a conflict with another replica) must not fail the
                // others: learn each alone, so only the failing one's consumer sees the error and retries.
                foreach (var queued in batch.OrderBy(q => q.Event.Sequence))
                {
                    try
                    {
                        await CommitAsync([queued.Event], CancellationToken.None);
                        CommitSizes.Record(1);
                        queued.Learned.TrySetResult();
                    }
                    catch (Exception e)
                    {
                        queued.Learned.TrySetException(e);
                    }
                }
            }
            catch (Exception e)
            {
                batch[0].Learned.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// One commit: applies, in sequence order, every event of <paramref name="events"/> whose predecessor is
    /// applied (by this commit or before), then every waiting event whose gap that closed; stores the rest to
    /// wait. Events at or below the horizon (redeliveries) are no-ops.
    /// </summary>
    private async Task CommitAsync(IReadOnlyList<IssuanceEvent> events, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var horizon = await session.LoadAsync<LicenseHorizon>(LicenseHorizon.DocumentId, cancellationToken);
        var isNew = horizon is null;
        horizon ??= new LicenseHorizon();
        var arrived = events.Where(e => e.Sequence > horizon.Sequence).DistinctBy(e => e.Sequence).OrderBy(e => e.Sequence).ToList();
        if (arrived.Count == 0)
        {
            return;
        }

        var licenses = new Dictionary<Guid, (KnownLicense License, bool IsNew)>();
        var downgrades = new List<Downgrade>();
        var preloaded = await PreloadAsync(session, arrived, cancellationToken);
        var appliedArrived = 0;
        var applied = new List<long>();
        // Waiting events only become ready when the horizon moves past their predecessor.
        var checkedPendingAt = horizon.Sequence;
        while (true)
        {
            var progressed = false;
            foreach (var e in arrived.ToList())
            {
                if (e.Sequence <= horizon.Sequence)
                {
                    arrived.Remove(e);
                }
                else if (e.Previous <= horizon.Sequence)
                {
                    await ApplyAsync(session, e.Message, e.Sequence, licenses, preloaded, downgrades, horizon, cancellationToken);
                    horizon.Sequence = e.Sequence;
                    arrived.Remove(e);
                    appliedArrived++;
                    progressed = true;
                }
            }

            if (checkedPendingAt != horizon.Sequence)
            {
                checkedPendingAt = horizon.Sequence;
                var ready = await session.Query<PendingLicenseEvent>()
                    .Where(p => p.Previous <= horizon.Sequence && !applied.Contains(p.Id))
                    .OrderBy(p => p.Id)
                    .ToListAsync(cancellationToken);
                foreach (var pending in ready)
                {
                    applied.Add(pending.Id);
                    session.Delete(pending);
                    if (pending.Id > horizon.Sequence)
                    {
                        await ApplyAsync(session, Deserialize(pending), pending.Id, licenses, preloaded, downgrades, horizon, cancellationToken);
                        horizon.Sequence = pending.Id;
                        progressed = true;
                    }
                }
            }

            if (!progressed)
            {
                break;
            }
        }

        foreach (var e in arrived)
        {
            session.Store(new PendingLicenseEvent
            {
                Id = e.Sequence, Previous = e.Previous, Type = e.Message.GetType().Name,
                Body = JsonSerializer.Serialize(e.Message, e.Message.GetType(), Json), ReceivedAt = DateTimeOffset.UtcNow,
            });
        }

        foreach (var (license, created) in licenses.Values)
        {
            if (created)
            {
                session.Insert(license);
            }
            else
            {
                session.Store(license);
            }
        }

        await AppendFloorsAsync(session, downgrades, cancellationToken);
        // Saved even when nothing was applied, so a commit that only stores waiting events conflicts with one that moves the horizon.
        Save(session, horizon, isNew);
        await session.SaveChangesAsync(cancellationToken);
        Volatile.Write(ref _horizon, horizon.Sequence);
        foreach (var downgrade in downgrades)
        {
            Floors.Add(1);
            logger.LogInformation(
                "License {LicenseId} was downgraded at Issuance sequence {Sequence}: keys below revision {Revision} are superseded from now on",
                downgrade.License.Id, downgrade.Sequence, downgrade.Revision);
        }

        if (arrived.Count > 0 || applied.Count > 0)
        {
            var waiting = await session.Query<PendingLicenseEvent>().CountAsync(cancellationToken);
            Volatile.Write(ref _waiting, waiting);
            foreach (var e in arrived)
            {
                logger.LogWarning(
                    "Issuance event {Sequence} ({Type}) waits: Revocation has applied Issuance's events up to sequence {Horizon}, and the event(s) after it up to sequence {Missing} have not arrived ({Waiting} waiting)",
                    e.Sequence, e.Message.GetType().Name, horizon.Sequence, e.Previous, waiting);
            }

            if (applied.Count > 0)
            {
                logger.LogInformation("The gap closed: applied {Count} waiting Issuance event(s), horizon now at sequence {Horizon}", applied.Count, horizon.Sequence);
            }
        }
    }

    /// <summary>The known licenses the events name, in one read (null: not known yet), so applying them needs no read each.</summary>
    private static async Task<Dictionary<Guid, KnownLicense?>> PreloadAsync(IDocumentSession session, List<IssuanceEvent> events, CancellationToken cancellationToken)
    {
        var ids = events.Select(e => e.Message switch
        {
            V1.LicenseIssued m => m.LicenseId,
            V1.LicenseImported m => m.LicenseId,
            V1.LicenseRenewed m => m.LicenseId,
            V1.LicenseCapabilitiesChanged m => m.LicenseId,
            _ => Guid.Empty,
        }).Where(id => id != Guid.Empty).Distinct().ToList();
        var found = ids.Count == 0 ? [] : await session.LoadManyAsync<KnownLicense>(cancellationToken, ids);
        var preloaded = ids.ToDictionary(id => id, _ => (KnownLicense?)null);
        foreach (var license in found)
        {
            preloaded[license.Id] = license;
        }

        return preloaded;
    }

    private static void Save(IDocumentSession session, LicenseHorizon horizon, bool isNew)
    {
        if (isNew)
        {
            session.Insert(horizon);
        }
        else
        {
            session.Store(horizon);
        }
    }

    /// <summary>
    /// Appends each downgrade's revision floor to the revocation log (next feed version, next chain hash)
    /// in the learning commit: a concurrent revocation conflicts on the log's version, and the consumer retries.
    /// </summary>
    private async Task AppendFloorsAsync(IDocumentSession session, List<Downgrade> downgrades, CancellationToken cancellationToken)
    {
        if (downgrades.Count == 0)
        {
            return;
        }

        var log = await session.Events.FetchForWriting<RevocationLog>(RevocationLog.StreamId, cancellationToken);
        var version = (long)(log.Aggregate?.Version ?? 0);
        var chain = log.Aggregate?.Chain is { Length: > 0 } head ? head : RevocationLog.GenesisChain(issuer.Name);
        foreach (var downgrade in downgrades)
        {
            var license = downgrade.License;
            version++;
            var at = DateTimeOffset.FromUnixTimeSeconds(downgrade.At.ToUnixTimeSeconds());
            var expiresAt = DateTimeOffset.FromUnixTimeSeconds(license.LatestExpiresAt.ToUnixTimeSeconds());
            var entry = new RevocationEntry(version, license.Id, at, RevocationEntry.SupersededReason, expiresAt, RevocationEntry.Superseded, downgrade.Revision);
            var next = FeedChain.Encode(FeedChain.Extend(Base64Url.Decode(chain), entry));
            var floor = new LicenseRevisionSuperseded(license.Id, license.Issuer, downgrade.Revision, at, expiresAt, version, chain, next, downgrade.Sequence);
            log.AppendOne(floor);
            session.Insert(RevocationRecord.From(floor));
            chain = next;
        }
    }

    private static async Task ApplyAsync(
        IDocumentSession session, object message, long sequence, Dictionary<Guid, (KnownLicense License, bool IsNew)> licenses,
        Dictionary<Guid, KnownLicense?> preloaded, List<Downgrade> downgrades, LicenseHorizon horizon, CancellationToken cancellationToken)
    {
        // Keys below the new revision are superseded, unless the license is revoked (every key is, already)
        // or already has this floor or a higher one.
        void Supersede(KnownLicense license, int revision, DateTimeOffset at)
        {
            if (license.RevokedAt is null && revision > license.SupersededBelow && revision >= 2)
            {
                license.SupersededBelow = revision;
                downgrades.Add(new Downgrade(license, revision, at, sequence));
            }
        }

        async Task<KnownLicense> LicenseAsync(Guid id, string issuer, DateTimeOffset at)
        {
            if (licenses.TryGetValue(id, out var loaded))
            {
                return loaded.License;
            }

            var existing = preloaded.TryGetValue(id, out var read) ? read : await session.LoadAsync<KnownLicense>(id, cancellationToken);
            var license = existing ?? new KnownLicense { Id = id, Issuer = issuer, IssuedAt = at };
            licenses[id] = (license, existing is null);
            return license;
        }

        DateTimeOffset at;
        switch (message)
        {
            case V1.LicenseIssued e:
            {
                var license = await LicenseAsync(e.LicenseId, e.Issuer, e.IssuedAt);
                license.Learned = true;
                license.Issuer = e.Issuer;
                license.CustomerId = e.CustomerId;
                license.IssuedAt = e.IssuedAt;
                if (license.Revision <= 1)
                {
                    license.ExpiresAt = e.ExpiresAt;
                    license.Revision = 1;
                }

                license.Extend(e.ExpiresAt);
                license.Capabilities = [.. e.Capabilities];
                license.SignedBy(e.SigningKeyId);
                await KeepRevokedEntryAsync(session, license, cancellationToken);
                at = e.IssuedAt;
                break;
            }
            case V1.LicenseImported e:
            {
                // Its key was signed outside the ledger, with no rev: it counts as the license's first key.
                var license = await LicenseAsync(e.LicenseId, e.Issuer, e.IssuedAt);
                license.Learned = true;
                license.Issuer = e.Issuer;
                license.IssuedAt = e.IssuedAt;
                if (license.Revision <= 1)
                {
                    license.ExpiresAt = e.ExpiresAt;
                    license.Revision = 1;
                }

                license.Extend(e.ExpiresAt);
                license.CustomerId = e.CustomerId;
                // Its capabilities as signed: a later change that removes one is a downgrade like any other.
                license.Capabilities = [.. e.Capabilities];
                license.SignedBy(e.SigningKeyId);
                await KeepRevokedEntryAsync(session, license, cancellationToken);
                // Issuance's decision time, not the key's (older) iat.
                at = e.ImportedAt;
                break;
            }
            case V1.LicenseRenewed e:
            {
                var license = await LicenseAsync(e.LicenseId, e.Issuer, e.RenewedAt);
                if (e.Revision >= license.Revision)
                {
                    license.ExpiresAt = e.ExpiresAt;
                    license.Revision = e.Revision;
                }

                license.Extend(e.ExpiresAt);
                license.SignedBy(e.SigningKeyId);
                await KeepRevokedEntryAsync(session, license, cancellationToken);
                // A renewal that moves the expiry earlier takes away the term the older keys still have.
                if (e.ExpiresAt < e.PreviousExpiresAt)
                {
                    Supersede(license, e.Revision, e.RenewedAt);
                }

                at = e.RenewedAt;
                break;
            }
            case V1.LicenseCapabilitiesChanged e:
            {
                var license = await LicenseAsync(e.LicenseId, e.Issuer, e.ChangedAt);
                license.Revision = Math.Max(license.Revision, e.Revision);
                // Removing any capability is a downgrade; adding some is not (older keys hold fewer rights).
                // Capabilities not learned (a license known only from a check or an import) count as a
                // downgrade: an old key with unknown rights must not outlive the change.
                if (license.Capabilities is not { } before || before.Except(e.Capabilities, StringComparer.Ordinal).Any())
                {
                    Supersede(license, e.Revision, e.ChangedAt);
                }

                license.Capabilities = [.. e.Capabilities];
                license.SignedBy(e.SigningKeyId);
                at = e.ChangedAt;
                break;
            }
            case V1.IssuanceHeartbeat e:
                at = e.At;
                break;
            default:
                throw new InvalidOperationException($"Revocation does not learn from {message.GetType().Name}.");
        }

        if (at > horizon.At)
        {
            horizon.At = at;
        }
    }

    /// <summary>A key learned late (issued before the revocation) moves the revoked entry's expiry, never back.</summary>
    private static async Task KeepRevokedEntryAsync(IDocumentSession session, KnownLicense license, CancellationToken cancellationToken)
    {
        if (license.RevokedAt is null)
        {
            return;
        }

        var record = await session.LoadAsync<RevocationRecord>(license.Id, cancellationToken);
        if (record is not null && record.LicenseExpiresAt < license.LatestExpiresAt)
        {
            record.LicenseExpiresAt = license.LatestExpiresAt;
            session.Store(record);
        }
    }

    private static object Deserialize(PendingLicenseEvent pending) =>
        Read(pending.Type, pending.Body) ?? throw new InvalidOperationException($"Unknown waiting event type {pending.Type}");

    /// <summary>An Issuance event Revocation learns from, by its contract's name and JSON body; null for any other contract.</summary>
    internal static object? Read(string type, string json) => type switch
    {
        nameof(V1.LicenseIssued) => JsonSerializer.Deserialize<V1.LicenseIssued>(json, Json)!,
        nameof(V1.LicenseImported) => JsonSerializer.Deserialize<V1.LicenseImported>(json, Json)!,
        nameof(V1.LicenseRenewed) => JsonSerializer.Deserialize<V1.LicenseRenewed>(json, Json)!,
        nameof(V1.LicenseCapabilitiesChanged) => JsonSerializer.Deserialize<V1.LicenseCapabilitiesChanged>(json, Json)!,
        nameof(V1.IssuanceHeartbeat) => JsonSerializer.Deserialize<V1.IssuanceHeartbeat>(json, Json)!,
        _ => null,
    };
}
