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

    // One learner per replica at a time: conflicts are then only between replicas.
    private readonly SemaphoreSlim _gate = new(1, 1);

    static LicenseLearning()
    {
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.revocation.learning.horizon", () => Volatile.Read(ref _horizon), unit: "{sequence}",
            description: "Highest Issuance event sequence up to which Revocation applied every license event");
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.revocation.learning.waiting", () => Volatile.Read(ref _waiting), unit: "{event}",
            description: "Issuance events received out of order, waiting for a missing predecessor");
    }

    public async Task LearnAsync(object message, long sequence, long previous, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var session = store.LightweightSession();
            var horizon = await session.LoadAsync<LicenseHorizon>(LicenseHorizon.DocumentId, cancellationToken);
            var isNew = horizon is null;
            horizon ??= new LicenseHorizon();
            if (sequence <= horizon.Sequence)
            {
                return;
            }

            var licenses = new Dictionary<Guid, (KnownLicense License, bool IsNew)>();
            var downgrades = new List<Downgrade>();
            if (previous > horizon.Sequence)
            {
                session.Store(new PendingLicenseEvent
                {
                    Id = sequence, Previous = previous, Type = message.GetType().Name,
                    Body = JsonSerializer.Serialize(message, message.GetType(), Json), ReceivedAt = DateTimeOffset.UtcNow,
                });
                // Touch the horizon, so this commit conflicts with one that moves it at the same time.
                Save(session, horizon, isNew);
                await session.SaveChangesAsync(cancellationToken);
                var waiting = await session.Query<PendingLicenseEvent>().CountAsync(cancellationToken);
                Volatile.Write(ref _waiting, waiting);
                logger.LogWarning(
                    "Issuance event {Sequence} ({Type}) waits: Revocation has applied Issuance's events up to sequence {Horizon}, and the event(s) after it up to sequence {Missing} have not arrived ({Waiting} waiting)",
                    sequence, message.GetType().Name, horizon.Sequence, previous, waiting);
                return;
            }

            await ApplyAsync(session, message, sequence, licenses, downgrades, horizon, cancellationToken);
            horizon.Sequence = sequence;
            var applied = new List<long>();
            while (true)
            {
                var ready = await session.Query<PendingLicenseEvent>()
                    .Where(p => p.Previous <= horizon.Sequence && !applied.Contains(p.Id))
                    .OrderBy(p => p.Id)
                    .ToListAsync(cancellationToken);
                if (ready.Count == 0)
                {
                    break;
                }

                foreach (var pending in ready)
                {
                    applied.Add(pending.Id);
                    session.Delete(pending);
                    if (pending.Id > horizon.Sequence)
                    {
                        await ApplyAsync(session, Deserialize(pending), pending.Id, licenses, downgrades, horizon, cancellationToken);
                        horizon.Sequence = pending.Id;
                    }
                }
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

            if (applied.Count > 0)
            {
                var waiting = await session.Query<PendingLicenseEvent>().CountAsync(cancellationToken);
                Volatile.Write(ref _waiting, waiting);
                logger.LogInformation("The gap closed: applied {Count} waiting Issuance event(s), horizon now at sequence {Horizon}", applied.Count, horizon.Sequence);
            }
        }
        finally
        {
            _gate.Release();
        }
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
        List<Downgrade> downgrades, LicenseHorizon horizon, CancellationToken cancellationToken)
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

            var existing = await session.LoadAsync<KnownLicense>(id, cancellationToken);
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
