namespace Ledger.IntegrationEvents.V1;

/// <summary>An attestation was issued: Notary signed (or countersigned) a statement about artifacts or a manifest.</summary>
/// <param name="AttestationId">UUIDv7.</param>
/// <param name="Kind">"artifacts" or "manifest".</param>
/// <param name="Subjects">The attested subjects: OCI references with digests, or a manifest's h1: digest.</param>
/// <param name="VendorKid">The vendor key that signed first, when the statement is dual-signed.</param>
public sealed record AttestationIssued(
    Guid AttestationId,
    string Kind,
    IReadOnlyList<string> Subjects,
    string? VendorKid,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpiresAt);
