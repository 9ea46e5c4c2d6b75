using Ledger.ServiceDefaults.Hosting;
using JasperFx;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Marten;
using Marten.Exceptions;

namespace Ledger.Revocation.Features.AuthorizingRekeys;

/// <summary>
/// Issuance asks before it signs a new key for an existing license. Decided against Revocation's
/// own record: a revoked license gets no new key. Otherwise the new key's expiry is recorded on the
/// <see cref="KnownLicense"/> in the same optimistic-concurrency commit a revocation also makes, so
/// the two serialize: a revocation either comes first (and this is refused) or comes after (and its
/// feed entry lives as long as the new key). No broker is involved, so an outage cannot open a window.
/// </summary>
public sealed class RekeyAuthorization(IDocumentStore store, LedgerIssuer issuer)
{
    private const int MaxAttempts = 20;

    public async Task<DateTimeOffset> AuthorizeAsync(Guid licenseId, DateTimeOffset expiresAt, int revision, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            // The known license first: a revocation marks it in the same commit that writes its record, so
            // either this read sees the mark, or the revocation commits later and this commit conflicts with it.
            // (Reading the record first left a window: a revocation committing between the two reads went unseen.)
            var license = await session.LoadAsync<KnownLicense>(licenseId, cancellationToken);
            var record = await session.LoadAsync<RevocationRecord>(licenseId, cancellationToken);
            if (record is not null || license?.RevokedAt is not null)
            {
                throw new RuleViolation(
                    $"License {licenseId} was revoked at {(record?.RevokedAt ?? license!.RevokedAt):u}{(record is null ? "" : $" ({record.Reason})")}; revocation is final for every key it ever had, so it gets no new key. Issue a new license instead.",
                    ErrorReasons.LicenseRevoked);
            }

            if (license is null)
            {
                // Issuance knows it; its LicenseIssued has not arrived yet (a broker outage or backlog).
                session.Insert(new KnownLicense { Id = licenseId, Issuer = issuer.Name, LatestExpiresAt = expiresAt, Revision = revision });
            }
            else
            {
                license.Extend(expiresAt);
                license.Revision = Math.Max(license.Revision, revision);
                session.Store(license);
            }

            try
            {
                await session.SaveChangesAsync(cancellationToken);
                return license?.LatestExpiresAt ?? expiresAt;
            }
            catch (Exception e) when (attempt < MaxAttempts && e is ConcurrencyException or DocumentAlreadyExistsException)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), cancellationToken);
            }
        }
    }
}
