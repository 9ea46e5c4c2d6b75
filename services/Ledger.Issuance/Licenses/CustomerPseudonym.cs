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

    public static async Task<string> ForAsync(IDocumentStore store, string customerId, CancellationToken cancellationToken)
    {
        await using (var query = store.QuerySession())
        {
            if (await query.LoadAsync<CustomerPseudonym>(customerId, cancellationToken) is { } known)
            {
                return known.Pseudonym;
            }
        }

        var created = new CustomerPseudonym { Id = customerId, Pseudonym = "cus_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) };
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
            return (await query.LoadAsync<CustomerPseudonym>(customerId, cancellationToken))!.Pseudonym;
        }
    }
}
