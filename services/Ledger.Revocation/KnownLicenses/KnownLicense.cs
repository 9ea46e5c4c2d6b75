using Marten.Schema;

namespace Ledger.Revocation.KnownLicenses;

/// <summary>
/// A license as Revocation knows it: learned from Issuance's events in Issuance's commit order
/// (<see cref="LicenseHorizon"/>), and from Issuance's synchronous re-keying checks. Written with
/// optimistic concurrency, so a revocation, a re-keying check and a learned event never overwrite
/// each other.
/// </summary>
public sealed class KnownLicense
{
    public Guid Id { get; set; }

    /// <summary>Marten's version of the stored document: a write checks it (lightweight sessions track it only here).</summary>
    [Version]
    public Guid Version { get; set; }

    public string Issuer { get; set; } = "";

    public DateTimeOffset IssuedAt { get; set; }

    /// <summary>The vendor's customer id from LicenseIssued (empty for a license known only from a re-keying check or an import): what a bulk revocation by customer selects.</summary>
    public string CustomerId { get; set; } = "";

    /// <summary>The expiry of the newest key learned from Issuance's events.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>
    /// The latest expiry of any key the license ever had or was authorized to get: what a revocation
    /// records as its entry's <c>exp</c>, so no key of a revoked license outlives its feed entry.
    /// </summary>
    public DateTimeOffset LatestExpiresAt { get; set; }

    /// <summary>The newest key revision learned or authorized (1 for the key issued with the license).</summary>
    public int Revision { get; set; }

    /// <summary>
    /// The capabilities of the newest key learned from Issuance's events, in Issuance's order (null when not
    /// learned: a license known only from a re-keying check or an import, or learned before this was kept).
    /// A change that removes any of them is a downgrade.
    /// </summary>
    public List<string>? Capabilities { get; set; }

    /// <summary>
    /// The kids of the Notary keys that signed any key of the license, learned from Issuance's events (an imported
    /// license: its key's own kid). Null or missing a kid when learned from events published before they carried
    /// it: unknown, so a bulk revocation by signing key does not select the license.
    /// </summary>
    public List<string>? SigningKeyIds { get; set; }

    /// <summary>The license's revision floor: keys with a lower revision are superseded (0: none).</summary>
    public int SupersededBelow { get; set; }

    /// <summary>True once LicenseIssued was applied; false for a license known only from a re-keying check.</summary>
    public bool Learned { get; set; }

    /// <summary>Set when the license is revoked; from then on no re-keying is authorized.</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Records that <paramref name="kid"/> signed a key of the license (null: the event did not say).</summary>
    public void SignedBy(string? kid)
    {
        if (string.IsNullOrEmpty(kid))
        {
            return;
        }

        SigningKeyIds ??= [];
        if (!SigningKeyIds.Contains(kid, StringComparer.Ordinal))
        {
            SigningKeyIds.Add(kid);
        }
    }

    public void Extend(DateTimeOffset expiresAt)
    {
        if (expiresAt > LatestExpiresAt)
        {
            LatestExpiresAt = expiresAt;
        }
    }
}
