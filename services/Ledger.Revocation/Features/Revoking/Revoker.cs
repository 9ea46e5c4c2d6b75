using System.Diagnostics.Metrics;
using JasperFx;
using JasperFx.Events;
using Ledger.Crypto;
using Ledger.Revocation.Features.Watching;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Verification;
using Marten;
using Marten.Exceptions;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Revocation.Features.Revoking;

/// <summary>
/// Revokes a license or an attestation: appends to the revocation log (next feed version,
/// next chain hash) and stores its record, in one commit. Appends queue on a transaction-scoped
/// advisory lock on the log (every replica takes the same one) before they read its head, so
/// concurrent revocations wait their turn instead of conflicting and retrying: the log stays a
/// single chain and none of them fails for contention. Revoking the same id again returns the
/// first record. A batch (<see cref="RevokeManyAsync"/>) is one append of all its entries in one commit.
/// </summary>
public sealed class Revoker(IDocumentStore store, LedgerIssuer issuer, RevocationSignal signal, TimeProvider clock)
{
    /// <summary>The advisory lock key of the revocation log ("revocati" in ASCII): one per database.</summary>
    private const long LogLockKey = 0x7265766f63617469;

    // Only a re-keying check that writes the same KnownLicense between the revocation's read and its
    // commit conflicts now (optimistic concurrency on the document); that is retried, a few times at most.
    public const int MaxConflictAttempts = 10;

    private static readonly Counter<long> Revocations =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.revocations", description: "Licenses and attestations revoked");

    public sealed record Outcome(RevocationRecord Record, bool NewlyRevoked);

    /// <summary>What a batch did: the records it appended (in feed order) and the ids that were revoked before.</summary>
    public sealed record BatchOutcome(IReadOnlyList<RevocationRecord> Revoked, IReadOnlyList<RevocationRecord> AlreadyRevoked, long FeedVersion);

    private delegate object Revocation(long version, string previousChain, string chain);

    public Task<Outcome> RevokeAsync(Guid licenseId, string reason, string? comment, string requestedBy, CancellationToken cancellationToken) =>
        AppendAsync(licenseId, async (session, now) =>
        {
            var license = await session.LoadAsync<KnownLicense>(licenseId, cancellationToken)
                ?? throw new RecordNotFound(
                    $"Revocation does not know license {licenseId}. Check the id; a license issued moments ago is learned from LicenseIssued within seconds, so retry shortly.",
                    ErrorReasons.LicenseUnknown);
            var expiresAt = MarkRevoked(session, license, now);
            return (new RevocationEntry(0, licenseId, now, reason, expiresAt, RevocationRecord.LicenseKind),
                (version, previous, chain) => new LicenseWasRevoked(
                    licenseId, license.Issuer, reason, comment, now, expiresAt, version, previous, chain, requestedBy));
        }, cancellationToken);

    /// <summary>
    /// Records a revocation made elsewhere (a Flux revocations.json): keeps its original time, and
    /// accepts licenses this ledger never issued, whose entries live until <paramref name="expiresBy"/>
    /// (their own expiry is unknown; an unbounded one would grow the full feed forever).
    /// </summary>
    public Task<Outcome> ImportAsync(
        Guid licenseId, DateTimeOffset revokedAt, string reason, DateTimeOffset expiresBy, string requestedBy, CancellationToken cancellationToken) =>
        AppendAsync(licenseId, async (session, now) =>
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(revokedAt.ToUnixTimeSeconds());
            var license = await session.LoadAsync<KnownLicense>(licenseId, cancellationToken);
            var expiresAt = license is null ? DateTimeOffset.FromUnixTimeSeconds(expiresBy.ToUnixTimeSeconds()) : MarkRevoked(session, license, now);
            if (license is null)
            {
                // Inserted, so a concurrent re-keying check of the same id conflicts with this commit.
                session.Insert(new KnownLicense { Id = licenseId, Issuer = issuer.Name, LatestExpiresAt = expiresAt, RevokedAt = now });
            }

            return (new RevocationEntry(0, licenseId, at, reason, expiresAt, RevocationRecord.LicenseKind),
                (version, previous, chain) => new LicenseWasRevoked(
                    licenseId, license?.Issuer ?? issuer.Name, reason, "imported from revocations.json", at, expiresAt, version, previous, chain, requestedBy));
        }, cancellationToken);

    /// <summary>
    /// Marks the known license revoked in the revocation's own commit (optimistic concurrency: a
    /// re-keying check at the same time conflicts) and returns the latest expiry any of its keys has.
    /// </summary>
    private static DateTimeOffset MarkRevoked(IDocumentSession session, KnownLicense license, DateTimeOffset now)
    {
        var expiresAt = MarkRevoked(license, now);
        session.Store(license);
        return expiresAt;
    }

    private static DateTimeOffset MarkRevoked(KnownLicense license, DateTimeOffset now)
    {
        license.Extend(license.ExpiresAt);
        license.RevokedAt = now;
        return license.LatestExpiresAt;
    }

    public Task<Outcome> RevokeAttestationAsync(
        Guid attestationId, string reason, DateTimeOffset? expiresAt, string requestedBy, CancellationToken cancellationToken) =>
        AppendAsync(attestationId, (_, now) =>
        {
            var until = expiresAt ?? RevocationRecord.NeverExpires;
            return Task.FromResult<(RevocationEntry, Revocation)>((
                new RevocationEntry(0, attestationId, now, reason, until, RevocationRecord.AttestationKind),
                (version, previous, chain) => new AttestationWasRevoked(attestationId, reason, now, until, version, previous, chain, requestedBy)));
        }, cancellationToken);

    /// <summary>
    /// Revokes every license of <paramref name="licenseIds"/> in <paramref name="session"/> (committed by the
    /// caller, with its idempotency record): one append of one entry per license not yet revoked, in the
    /// order given, all in the caller's single commit; licenses revoked before are returned as they are.
    /// Throws <see cref="RecordNotFound"/> naming the ids Revocation does not know, before anything is written.
    /// Call <see cref="Committed"/> after the commit.
    /// </summary>
    public async Task<BatchOutcome> RevokeManyAsync(
        IDocumentSession session, IReadOnlyList<Guid> licenseIds, string reason, string? comment, string requestedBy, CancellationToken cancellationToken)
    {
        var log = await LockLogAsync(session, cancellationToken);
        var existing = (await session.LoadManyAsync<RevocationRecord>(cancellationToken, licenseIds)).ToDictionary(r => r.Id);
        var known = (await session.LoadManyAsync<KnownLicense>(cancellationToken, licenseIds.Where(id => !existing.ContainsKey(id))))
            .ToDictionary(l => l.Id);
        var unknown = licenseIds.Where(id => !existing.ContainsKey(id) && !known.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            throw new RecordNotFound(
                $"Revocation does not know {unknown.Count} of the {licenseIds.Count} licenses ({string.Join(", ", unknown.Take(5))}{(unknown.Count > 5 ? ", ..." : "")}); nothing was revoked. " +
                "Check the ids; a license issued moments ago is learned from LicenseIssued within seconds, so retry shortly.",
                ErrorReasons.LicenseUnknown);
        }

        var now = Now();
        var version = (log.Aggregate?.Version ?? 0);
        var chain = Base64Url.Decode(HeadChain(log.Aggregate));
        var events = new List<object>();
        var revoked = new List<RevocationRecord>();
        var licenses = new List<KnownLicense>();
        foreach (var licenseId in licenseIds.Distinct())
        {
            if (existing.ContainsKey(licenseId))
            {
                continue;
            }

            var license = known[licenseId];
            var expiresAt = MarkRevoked(license, now);
            licenses.Add(license);
            version++;
            var previousChain = FeedChain.Encode(chain);
            chain = FeedChain.Extend(chain, new RevocationEntry(version, licenseId, now, reason, expiresAt, RevocationRecord.LicenseKind));
            var e = new LicenseWasRevoked(licenseId, license.Issuer, reason, comment, now, expiresAt, version, previousChain, FeedChain.Encode(chain), requestedBy);
            events.Add(e);
            revoked.Add(RevocationRecord.From(e));
        }

        if (events.Count > 0)
        {
            // Written now, in the batch's transaction; the append and the idempotency record follow at the caller's commit.
            await BatchDocuments.UpdateAsync(session, licenses, cancellationToken);
            await BatchDocuments.InsertAsync(session, revoked, cancellationToken);
            log.AppendMany(events);
        }

        return new BatchOutcome(revoked, [.. licenseIds.Distinct().Where(existing.ContainsKey).Select(id => existing[id])], version);
    }

    /// <summary>After a batch from <see cref="RevokeManyAsync"/> committed: counts it and wakes the feeds and watches once.</summary>
    public void Committed(BatchOutcome outcome)
    {
        if (outcome.Revoked.Count > 0)
        {
            Revocations.Add(outcome.Revoked.Count, new KeyValuePair<string, object?>("kind", RevocationRecord.LicenseKind));
            signal.Notify();
        }
    }

    /// <summary>Whether <paramref name="e"/> is a write conflict a fresh attempt resolves (a re-keying check wrote the same license).</summary>
    public static bool IsConflict(Exception e) =>
        e is ConcurrencyException or EventStreamUnexpectedMaxEventIdException or JasperFx.Events.ExistingStreamIdCollisionException
            or DocumentAlreadyExistsException or Marten.Exceptions.ExistingStreamIdCollisionException;

    /// <summary>
    /// Opens the session's transaction and waits for the revocation log's advisory lock (released at commit
    /// or rollback), then reads the log's head: no other append can move it until this one commits.
    /// </summary>
    private static async Task<IEventStream<RevocationLog>> LockLogAsync(IDocumentSession session, CancellationToken cancellationToken)
    {
        await session.BeginTransactionAsync(cancellationToken);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(?)", cancellationToken, LogLockKey);
        return await session.Events.FetchForWriting<RevocationLog>(RevocationLog.StreamId, cancellationToken);
    }

    private string HeadChain(RevocationLog? log) => log?.Chain is { Length: > 0 } chain ? chain : RevocationLog.GenesisChain(issuer.Name);

    // Whole seconds: the chain hashes the time as Unix seconds, and the record must match it exactly.
    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds());

    private async Task<Outcome> AppendAsync(
        Guid id, Func<IDocumentSession, DateTimeOffset, Task<(RevocationEntry Entry, Revocation Event)>> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var log = await LockLogAsync(session, cancellationToken);
            if (await session.LoadAsync<RevocationRecord>(id, cancellationToken) is { } existing)
            {
                return new Outcome(existing, false);
            }

            var now = Now();
            var (entry, revocation) = await decide(session, now);
            var version = (log.Aggregate?.Version ?? 0) + 1;
            var previousChain = HeadChain(log.Aggregate);
            var nextChain = FeedChain.Encode(FeedChain.Extend(Base64Url.Decode(previousChain), entry with { Version = version }));
            var revoked = revocation(version, previousChain, nextChain);
            log.AppendOne(revoked);
            var record = revoked switch
            {
                LicenseWasRevoked license => RevocationRecord.From(license),
                AttestationWasRevoked attestation => RevocationRecord.From(attestation),
                _ => throw new InvalidOperationException($"Unknown revocation {revoked.GetType().Name}"),
            };
            session.Insert(record);
            try
            {
                await session.SaveChangesAsync(cancellationToken);
                Revocations.Add(1, new KeyValuePair<string, object?>("kind", record.Kind));
                signal.Notify();
                return new Outcome(record, true);
            }
            catch (Exception e) when (attempt < MaxConflictAttempts && IsConflict(e))
            {
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), cancellationToken);
            }
        }
    }
}
