using System.Diagnostics.Metrics;
using Ledger.Crypto;
using Ledger.Issuance.Licenses;
using Ledger.Issuance.Signing;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Verification;
using Marten;

namespace Ledger.Issuance.Features.Issuing;

/// <summary>Issues licenses: a new stream each, their keys signed by Notary in one batch per profile, all in the caller's session.</summary>
public sealed class LicenseIssuer(IDocumentStore store, LicenseSigner signer, LedgerIssuer issuer, TimeProvider clock)
{
    /// <summary>
    /// The longest time from minting a license id to handing its event to the store. Revocation's
    /// filter covers ids minted up to its horizon's time minus a lag larger than this (docs/FEEDS.md),
    /// so an issue that took longer (a slow Notary) is refused, to be retried with a fresh id.
    /// </summary>
    public static readonly TimeSpan MaxMintAge = TimeSpan.FromSeconds(60);

    private static readonly Counter<long> Issued =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.licenses.issued", description: "Licenses issued");

    /// <summary>One license to issue and who asked for it, under which idempotency key.</summary>
    public sealed record Order(LicenseTerms Terms, string RequestedBy, string IdempotencyKey);

    public Task<IReadOnlyList<License>> IssueAsync(
        IDocumentSession session, IReadOnlyList<LicenseTerms> licenses, string requestedBy, string idempotencyKey, CancellationToken cancellationToken) =>
        IssueAsync(session, licenses.Select(terms => new Order(terms, requestedBy, idempotencyKey)).ToList(), cancellationToken);

    /// <summary>Issues licenses of several requests at once (a group commit): each event names its own caller and key.</summary>
    public async Task<IReadOnlyList<License>> IssueAsync(IDocumentSession session, IReadOnlyList<Order> orders, CancellationToken cancellationToken)
    {
        var licenses = orders.Select(o => o.Terms).ToList();
        // Whole microseconds, as PostgreSQL stores and compares times: a paging cursor made from this
        // time then names exactly the stored value (no rounding that could repeat or skip a page).
        var now = WholeMicroseconds(clock.GetUtcNow());
        // A Flux-profile license has the Flux Operator's id and pseudonym (UUIDv6, c- + SHA-256 of the
        // customer id); a Ledger one a UUIDv7 and the customer's random pseudonym.
        var pseudonyms = await CustomerPseudonym.ForAsync(store, licenses.Where(t => t.Profile != LicenseProfile.Flux).Select(t => t.CustomerId), cancellationToken);
        var planned = licenses.Select(terms => terms.Profile == LicenseProfile.Flux
            ? (Id: UuidV6.NewId(), Terms: terms, Subject: LicenseClaims.FluxSubject(terms.CustomerId))
            : (Id: UuidV7.NewId(), Terms: terms, Subject: pseudonyms[terms.CustomerId])).ToList();

        // One Notary call per profile (a batch carries one typ), results put back in request order.
        var signed = new (string Token, string Kid, long LogIndex)[planned.Count];
        foreach (var profile in planned.Select(p => p.Terms.Profile).Distinct())
        {
            var indexes = Enumerable.Range(0, planned.Count).Where(i => planned[i].Terms.Profile == profile).ToList();
            var payloads = indexes.Select(i => LicenseProfile.Payload(profile, new LicenseClaims(planned[i].Id, issuer.Name, planned[i].Subject, planned[i].Terms.Audience, now,
                planned[i].Terms.ValidFrom, planned[i].Terms.ExpiresAt, planned[i].Terms.Capabilities, planned[i].Terms.Product, planned[i].Terms.Edition, 1))).ToList();
            var results = await signer.SignAsync(payloads, indexes.Max(i => planned[i].Terms.ExpiresAt), cancellationToken, LicenseProfile.TokenType(profile));
            for (var j = 0; j < indexes.Count; j++)
            {
                signed[indexes[j]] = results[j];
            }
        }

        if (clock.GetUtcNow() - now > MaxMintAge)
        {
            throw ErrorReasons.Failure(Grpc.Core.StatusCode.Unavailable, ErrorReasons.NotaryUnavailable,
                $"Signing the license keys took longer than {MaxMintAge.TotalSeconds:F0} s (Notary slow?); nothing was issued. Retry with the same idempotency key.",
                ErrorReasons.RetryDelay);
        }

        var result = new List<License>();
        for (var i = 0; i < planned.Count; i++)
        {
            var (id, terms, subject) = planned[i];
            var issued = new LicenseIssued(id, terms.CustomerId, terms.CustomerName, terms.CustomerContact, subject, terms.Product,
                terms.Edition, terms.Audience, terms.Capabilities, terms.ValidFrom, terms.ExpiresAt,
                new SignedLicenseKey(signed[i].Token, signed[i].Kid, 1), now, orders[i].RequestedBy, orders[i].IdempotencyKey, terms.Profile);
            session.Events.StartStream<License>(id, issued);
            session.Store(LicenseKeyLogEntry.For(id, 1, signed[i].LogIndex));
            var license = License.Create(issued);
            license.Version = 1;
            result.Add(license);
        }

        Issued.Add(result.Count);
        return result;
    }

    private static DateTimeOffset WholeMicroseconds(DateTimeOffset at) =>
        new(at.Ticks - (at.Ticks % TimeSpan.TicksPerMicrosecond), at.Offset);
}
