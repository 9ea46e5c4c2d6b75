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

    /// <summary>
    /// A copy with the event applied. Handlers use it rather than <see cref="Apply"/>: the record
    /// FetchForWriting returns is the one Marten's inline projection applies the event to on save.
    /// </summary>
    public AttestationRecord After(AttestationRevoked e)
    {
        var copy = (AttestationRecord)MemberwiseClone();
        copy.Apply(e);
        return copy;
    }

    public void Apply(AttestationRevoked e)
    {
        Revoked = true;
        RevokedAt = e.At;
        RevocationReason = e.Reason;
        RevocationComment = e.Comment;
    }
}
