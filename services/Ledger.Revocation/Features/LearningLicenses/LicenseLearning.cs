using System.Diagnostics.Metrics;
using System.Text.Json;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using V1 = Ledger.IntegrationEvents.V1;

namespace Ledger.Revocation.Features.LearningLicenses;

/// <summary>
/// Applies Issuance's events (LicenseIssued, LicenseRenewed, LicenseCapabilitiesChanged,
/// IssuanceHeartbeat) in Issuance's commit order. Each message says its own sequence and the
/// sequence of the message Issuance published before it; one that arrives before its predecessor
/// (another queue, a redelivery, a backlog) waits as a <see cref="PendingLicenseEvent"/> until the
/// gap closes, with a log line naming the missing range and the <c>ledger.revocation.learning.waiting</c>
/// gauge. Every step moves <see cref="LicenseHorizon"/> under optimistic concurrency, so replicas
/// and queues never apply an event twice or out of order; a conflict throws and the consumer retries.
/// </summary>
public sealed class LicenseLearning(IDocumentStore store, ILogger<LicenseLearning> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static long _horizon;
    private static long _waiting;

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

            await ApplyAsync(session, message, licenses, horizon, cancellationToken);
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
                        await ApplyAsync(session, Deserialize(pending), licenses, horizon, cancellationToken);
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

            Save(session, horizon, isNew);
            await session.SaveChangesAsync(cancellationToken);
            Volatile.Write(ref _horizon, horizon.Sequence);
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

    private static async Task ApplyAsync(
        IDocumentSession session, object message, Dictionary<Guid, (KnownLicense License, bool IsNew)> licenses, LicenseHorizon horizon,
        CancellationToken cancellationToken)
    {
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
                await KeepRevokedEntryAsync(session, license, cancellationToken);
                at = e.IssuedAt;
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
                await KeepRevokedEntryAsync(session, license, cancellationToken);
                at = e.RenewedAt;
                break;
            }
            case V1.LicenseCapabilitiesChanged e:
            {
                var license = await LicenseAsync(e.LicenseId, e.Issuer, e.ChangedAt);
                license.Revision = Math.Max(license.Revision, e.Revision);
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

    private static object Deserialize(PendingLicenseEvent pending) => pending.Type switch
    {
        nameof(V1.LicenseIssued) => JsonSerializer.Deserialize<V1.LicenseIssued>(pending.Body, Json)!,
        nameof(V1.LicenseRenewed) => JsonSerializer.Deserialize<V1.LicenseRenewed>(pending.Body, Json)!,
        nameof(V1.LicenseCapabilitiesChanged) => JsonSerializer.Deserialize<V1.LicenseCapabilitiesChanged>(pending.Body, Json)!,
        nameof(V1.IssuanceHeartbeat) => JsonSerializer.Deserialize<V1.IssuanceHeartbeat>(pending.Body, Json)!,
        _ => throw new InvalidOperationException($"Unknown waiting event type {pending.Type}"),
    };
}
