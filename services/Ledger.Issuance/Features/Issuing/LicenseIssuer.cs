using System.Diagnostics.Metrics;
using Ledger.Crypto;
using Ledger.Issuance.Licenses;
using Ledger.Issuance.Signing;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Verification;
using Marten;

namespace Ledger.Issuance.Features.Issuing;

/// <summary>Issues licenses: a new stream each, its key signed by Notary, all in the caller's session.</summary>
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

    public async Task<IReadOnlyList<License>> IssueAsync(
        IDocumentSession session, IReadOnlyList<LicenseTerms> licenses, string requestedBy, string idempotencyKey, CancellationToken cancellationToken)
    {
        // Whole microseconds, as PostgreSQL stores and compares times: a paging cursor made from this
        // time then names exactly the stored value (no rounding that could repeat or skip a page).
        var now = WholeMicroseconds(clock.GetUtcNow());
        var pseudonyms = await CustomerPseudonym.ForAsync(store, licenses.Select(t => t.CustomerId), cancellationToken);
        var planned = licenses.Select(terms => (Id: UuidV7.NewId(), Terms: terms, Subject: pseudonyms[terms.CustomerId])).ToList();

        var payloads = planned.Select(p => new LicenseClaims(p.Id, issuer.Name, p.Subject, p.Terms.Audience, now, p.Terms.ValidFrom, p.Terms.ExpiresAt, p.Terms.Capabilities, p.Terms.Product, p.Terms.Edition, 1).ToJson()).ToList();
        var signed = await signer.SignAsync(payloads, planned.Max(p => p.Terms.ExpiresAt), cancellationToken);

        if (clock.GetUtcNow() - now > MaxMintAge)
        {
            throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable,
                $"Signing the license keys took longer than {MaxMintAge.TotalSeconds:F0} s (Notary slow?); nothing was issued. Retry with the same idempotency key."));
        }

        var result = new List<License>();
        for (var i = 0; i < planned.Count; i++)
        {
            var (id, terms, subject) = planned[i];
            var issued = new LicenseIssued(id, terms.CustomerId, terms.CustomerName, terms.CustomerContact, subject, terms.Product,
                terms.Edition, terms.Audience, terms.Capabilities, terms.ValidFrom, terms.ExpiresAt,
                new SignedLicenseKey(signed[i].Token, signed[i].Kid, 1), now, requestedBy, idempotencyKey);
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
