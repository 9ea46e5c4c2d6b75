using Ledger.Attestation.Statements;

namespace Ledger.Attestation.Attestations;

/// <summary>An event in one attestation's stream (stream id = attestation id).</summary>
public interface IAttestationEvent
{
    Guid AttestationId { get; }

    DateTimeOffset At { get; }

    /// <summary>The client that asked.</summary>
    string RequestedBy { get; }

    string? IdempotencyKey { get; }
}

/// <summary>
/// Notary signed (or countersigned) a statement. <paramref name="Statement"/> is the payload as signed
/// (UTF-8 JSON text); <paramref name="SignedStatement"/> is what verifiers get: a compact JWS, or JWS
/// JSON general serialization when a vendor signed first.
/// </summary>
public sealed record AttestationIssued(
    Guid AttestationId,
    AttestationKind Kind,
    IReadOnlyList<string> Subjects,
    ManifestSubject? Manifest,
    string? VendorId,
    string? VendorKid,
    string NotaryKid,
    string Statement,
    string SignedStatement,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset At,
    string RequestedBy,
    string? IdempotencyKey) : IAttestationEvent;

/// <summary>The attestation was withdrawn; final. <paramref name="ExpiresAt"/> is carried so feeds know when they may prune it.</summary>
public sealed record AttestationRevoked(
    Guid AttestationId,
    string Reason,
    string? Comment,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset At,
    string RequestedBy,
    string? IdempotencyKey) : IAttestationEvent;
