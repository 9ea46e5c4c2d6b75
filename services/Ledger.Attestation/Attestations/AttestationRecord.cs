using Ledger.Attestation.Statements;

namespace Ledger.Attestation.Attestations;

public enum AttestationStatus
{
    Valid,
    Expired,
    Revoked,
}

/// <summary>An attestation's current state, rebuilt from its stream and kept as a document (inline).</summary>
public sealed class AttestationRecord
{
    public Guid Id { get; set; }

    public int Version { get; set; }

    public AttestationKind Kind { get; set; }

    /// <summary>References as attested, or the manifest's h1 digest: what ListAttestations filters on.</summary>
    public List<string> Subjects { get; set; } = [];

    public ManifestSubject? Manifest { get; set; }

    public string? VendorId { get; set; }

    public string? VendorKid { get; set; }

    public string NotaryKid { get; set; } = "";

    public string Statement { get; set; } = "";

    public string SignedStatement { get; set; } = "";

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public string RequestedBy { get; set; } = "";

    public bool Revoked { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevocationReason { get; set; }

    public string? RevocationComment { get; set; }

    public AttestationStatus StatusAt(DateTimeOffset now) =>
        Revoked ? AttestationStatus.Revoked
        : ExpiresAt is { } expiresAt && now >= expiresAt ? AttestationStatus.Expired
        : AttestationStatus.Valid;

    public static AttestationRecord Create(AttestationIssued e) => new()
    {
        Id = e.AttestationId,
        Kind = e.Kind,
        Subjects = [.. e.Subjects],
        Manifest = e.Manifest,
        VendorId = e.VendorId,
        VendorKid = e.VendorKid,
        NotaryKid = e.NotaryKid,
        Statement = e.Statement,
        SignedStatement = e.SignedStatement,
        IssuedAt = e.At,
        ExpiresAt = e.ExpiresAt,
        RequestedBy = e.RequestedBy,
    };

    public void Apply(AttestationRevoked e)
    {
        Revoked = true;
        RevokedAt = e.At;
        RevocationReason = e.Reason;
        RevocationComment = e.Comment;
    }
}
