namespace Ledger.Verification;

/// <summary>
/// One entry of a feed. <paramref name="Version"/> is the version that added it;
/// <paramref name="Id"/> is the license id (the license key's <c>jti</c>) or an attestation id;
/// <paramref name="Reason"/> is an RFC 5280 CRLReason name; <paramref name="ExpiresAt"/> is the latest expiry
/// of any key the entry speaks for; <paramref name="Kind"/> is <see cref="License"/> or <see cref="Attestation"/>
/// (a revocation), or <see cref="Superseded"/>: a revision floor, where <paramref name="Revision"/> is the lowest
/// license key revision (<c>rev</c>) still valid for the license (docs/FEEDS.md). Times travel as whole Unix seconds.
/// </summary>
public sealed record RevocationEntry(long Version, Guid Id, DateTimeOffset RevokedAt, string Reason, DateTimeOffset ExpiresAt, string Kind, int? Revision = null)
{
    public const string License = "license";

    public const string Attestation = "attestation";

    /// <summary>A revision floor: keys of the license with a lower <c>rev</c> are superseded, not revoked.</summary>
    public const string Superseded = "superseded";

    /// <summary>The reason every revision floor carries (the RFC 5280 CRLReason of the same name).</summary>
    public const string SupersededReason = "superseded";

    public const int MaxReasonLength = 64;

    /// <summary>True for a revocation (license or attestation), false for a revision floor.</summary>
    public bool IsRevocation => Kind != Superseded;
}
