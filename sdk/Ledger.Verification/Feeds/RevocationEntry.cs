namespace Ledger.Verification;

/// <summary>
/// One revocation in a feed. <paramref name="Version"/> is the version that added it;
/// <paramref name="Id"/> is the license id (the license key's <c>jti</c>) or an attestation id;
/// <paramref name="Reason"/> is an RFC 5280 CRLReason name; <paramref name="ExpiresAt"/> is the revoked
/// license's own expiry; <paramref name="Kind"/> is <see cref="License"/> or <see cref="Attestation"/>.
/// Times travel as whole Unix seconds.
/// </summary>
public sealed record RevocationEntry(long Version, Guid Id, DateTimeOffset RevokedAt, string Reason, DateTimeOffset ExpiresAt, string Kind)
{
    public const string License = "license";

    public const string Attestation = "attestation";

    public const int MaxReasonLength = 64;
}
