namespace Ledger.Attestation.Features.Verifying;

/// <summary>Why an attestation is or is not to be trusted; the first failing check decides.</summary>
public enum VerdictStatus
{
    Valid,
    Malformed,
    BadSignature,
    UnknownKey,
    VendorSignatureMissing,
    VendorSignatureInvalid,
    VendorKeyUnknown,
    VendorKeyRemoved,
    NotRecorded,
    Revoked,
    Expired,
    SubjectMismatch,
}

public enum SubjectMatch
{
    Covered,
    Missing,
    DigestDiffers,
}

/// <summary>One subject the verifier holds, and what the attestation says about it.</summary>
public sealed record SubjectFinding(string Subject, SubjectMatch Match, IReadOnlyList<string> AttestedDigests);

/// <summary>
/// The outcome of <see cref="AttestationVerifier.Verify"/>: the status, a sentence saying what was wrong
/// and what to do, the statement's id once it could be read, and one finding per requested subject once
/// the signatures were good.
/// </summary>
public sealed record AttestationVerdict(VerdictStatus Status, string Detail, Guid? AttestationId, IReadOnlyList<SubjectFinding> Findings)
{
    public bool IsValid => Status == VerdictStatus.Valid;

    public static AttestationVerdict Fail(VerdictStatus status, string detail, Guid? attestationId = null) => new(status, detail, attestationId, []);
}
