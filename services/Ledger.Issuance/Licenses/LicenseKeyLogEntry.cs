namespace Ledger.Issuance.Licenses;

/// <summary>
/// Where a license's current key sits in Notary's signature log: stored with the license (same commit
/// as the event that carries the key), so GetLicense can fetch the key's receipt. Id = license id.
/// </summary>
public sealed class LicenseKeyLogEntry
{
    public Guid Id { get; set; }

    /// <summary>The license key revision this entry is for (1 when issued, +1 per renewal or capability change).</summary>
    public int Revision { get; set; }

    public long LogIndex { get; set; }

    public static LicenseKeyLogEntry For(Guid licenseId, int revision, long logIndex) =>
        new() { Id = licenseId, Revision = revision, LogIndex = logIndex };
}
