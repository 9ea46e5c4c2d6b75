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
/// next chain hash) and stores its record, in one commit. Concurrent revocations conflict on
/// the log's version and retry, so the log stays a single chain; revoking the same id again
/// returns the first record.
/// </summary>
public sealed class Revoker(IDocumentStore store, LedgerIssuer issuer, RevocationSignal signal, TimeProvider clock)
{
    private const int MaxAttempts = 50;

    private static readonly Counter<long> Revocations =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.revocations", description: "Licenses and attestations revoked");

    public sealed record Outcome(RevocationRecord Record, bool NewlyRevoked);

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
        license.Extend(license.ExpiresAt);
        license.RevokedAt = now;
        session.Store(license);
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

    private async Task<Outcome> AppendAsync(
        Guid id, Func<IDocumentSession, DateTimeOffset, Task<(RevocationEntry Entry, Revocation Event)>> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<RevocationRecord>(id, cancellationToken) is { } existing)
            {
                return new Outcome(existing, false);
            }

            // Whole seconds: the chain hashes the time as Unix seconds, and the record must match it exactly.
            var now = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds());
            var (entry, revocation) = await decide(session, now);
            var log = await session.Events.FetchForWriting<RevocationLog>(RevocationLog.StreamId, cancellationToken);
            var version = (log.Aggregate?.Version ?? 0) + 1;
            var previousChain = log.Aggregate?.Chain is { Length: > 0 } chain ? chain : RevocationLog.GenesisChain(issuer.Name);
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
            catch (Exception e) when (attempt < MaxAttempts && IsConflict(e))
            {
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), cancellationToken);
            }
        }
    }

    private static bool IsConflict(Exception e) =>
        e is ConcurrencyException or EventStreamUnexpectedMaxEventIdException or JasperFx.Events.ExistingStreamIdCollisionException
            or DocumentAlreadyExistsException or Marten.Exceptions.ExistingStreamIdCollisionException;
}
