using System.Security.Cryptography;
using Marten;
using JasperFx;
using Marten.Exceptions;

namespace Ledger.Issuance.Licenses;

/// <summary>
/// The random, stable name a customer has in its license keys (<c>sub</c>). Random rather
/// than derived, so nothing outside the ledger can link it back to the customer id.
/// </summary>
public sealed class CustomerPseudonym
{
    /// <summary>The vendor's customer id.</summary>
    public string Id { get; set; } = "";

    public string Pseudonym { get; set; } = "";

    /// <summary>
    /// The pseudonym of each customer, created for those that have none yet. One query for the known
    /// ones and one insert for the new ones, so a batch of licenses costs two round trips, not two per license.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> ForAsync(IDocumentStore store, IEnumerable<string> customerIds, CancellationToken cancellationToken)
    {
        var wanted = customerIds.Distinct(StringComparer.Ordinal).ToArray();
        var pseudonyms = await KnownAsync(store, wanted, cancellationToken);
        var created = wanted.Where(id => !pseudonyms.ContainsKey(id))
            .Select(id => new CustomerPseudonym { Id = id, Pseudonym = "cus_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) })
            .ToArray();
        if (created.Length == 0)
        {
            return pseudonyms;
        }

        try
        {
            await using var session = store.LightweightSession();
            session.Insert(created);
            await session.SaveChangesAsync(cancellationToken);
            foreach (var customer in created)
            {
                pseudonyms[customer.Id] = customer.Pseudonym;
            }

            return pseudonyms;
        }
        catch (DocumentAlreadyExistsException)
        {
            // A concurrent request created one of them first; nothing of ours was inserted. Theirs
            // stand, and the rest are created one at a time.
            foreach (var customer in created)
            {
                pseudonyms[customer.Id] = await OneAsync(store, customer, cancellationToken);
            }

            return pseudonyms;
        }
    }

    private static async Task<Dictionary<string, string>> KnownAsync(IDocumentStore store, string[] customerIds, CancellationToken cancellationToken)
    {
        await using var query = store.QuerySession();
        var known = await query.LoadManyAsync<CustomerPseudonym>(cancellationToken, customerIds);
        return known.ToDictionary(c => c.Id, c => c.Pseudonym, StringComparer.Ordinal);
    }

    private static async Task<string> OneAsync(IDocumentStore store, CustomerPseudonym created, CancellationToken cancellationToken)
    {
        try
        {
            await using var session = store.LightweightSession();
            session.Insert(created);
            await session.SaveChangesAsync(cancellationToken);
            return created.Pseudonym;
        }
        catch (DocumentAlreadyExistsException)
        {
            await using var query = store.QuerySession();
            return (await query.LoadAsync<CustomerPseudonym>(created.Id, cancellationToken))!.Pseudonym;
        }
    }
}
