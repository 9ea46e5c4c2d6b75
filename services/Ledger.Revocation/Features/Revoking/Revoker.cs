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

namespace Ledger.Revocation.Features.Revoking;

/// <summary>
/// Revokes a license: appends to the revocation log (next feed version, next chain hash) and
/// stores its record, in one commit. Concurrent revocations conflict on the log's version and
/// retry, so the log stays a single chain; a second revocation of a license returns the first.
/// </summary>
public sealed class Revoker(IDocumentStore store, FeedIssuer issuer, RevocationSignal signal, TimeProvider clock)
{
    private const int MaxAttempts = 50;

    private static readonly Counter<long> Revocations =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.revocations", description: "Licenses revoked");

    public sealed record Outcome(RevocationRecord Record, bool NewlyRevoked);

    public async Task<Outcome> RevokeAsync(Guid licenseId, string reason, string? comment, string requestedBy, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<RevocationRecord>(licenseId, cancellationToken) is { } existing)
            {
                return new Outcome(existing, false);
            }

            var license = await session.LoadAsync<KnownLicense>(licenseId, cancellationToken)
                ?? throw new RecordNotFound(
                    $"Revocation does not know license {licenseId}. Check the id; a license issued moments ago is learned from LicenseIssued within seconds, so retry shortly.");

            var log = await session.Events.FetchForWriting<RevocationLog>(RevocationLog.StreamId, cancellationToken);
            var version = (log.Aggregate?.Version ?? 0) + 1;
            var previousChain = log.Aggregate?.Chain is { Length: > 0 } chain ? chain : RevocationLog.GenesisChain(issuer.Name);
            // Whole seconds: the chain hashes the time as Unix seconds, and the record must match it exactly.
            var now = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds());
            var entry = new RevocationEntry(version, licenseId, now, reason, license.ExpiresAt, "license");
            var revoked = new LicenseWasRevoked(licenseId, license.Issuer, reason, comment, now, license.ExpiresAt, version,
                previousChain, FeedChain.Encode(FeedChain.Extend(Base64Url.Decode(previousChain), entry)), requestedBy);
            log.AppendOne(revoked);
            session.Insert(RevocationRecord.From(revoked));
            try
            {
                await session.SaveChangesAsync(cancellationToken);
                Revocations.Add(1);
                signal.Notify();
                return new Outcome(RevocationRecord.From(revoked), true);
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
