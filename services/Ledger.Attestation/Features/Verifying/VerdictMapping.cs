using V1 = Ledger.Contracts.Attestation.V1;

namespace Ledger.Attestation.Features.Verifying;

public static class VerdictMapping
{
    public static V1.VerifyResponse ToProto(this AttestationVerdict verdict)
    {
        var response = new V1.VerifyResponse
        {
            Verdict = verdict.Status switch
            {
                VerdictStatus.Valid => V1.Verdict.Valid,
                VerdictStatus.Malformed => V1.Verdict.Malformed,
                VerdictStatus.BadSignature => V1.Verdict.BadSignature,
                VerdictStatus.UnknownKey => V1.Verdict.UnknownKey,
                VerdictStatus.VendorSignatureMissing => V1.Verdict.VendorSignatureMissing,
                VerdictStatus.VendorSignatureInvalid => V1.Verdict.VendorSignatureInvalid,
                VerdictStatus.VendorKeyUnknown => V1.Verdict.VendorKeyUnknown,
                VerdictStatus.VendorKeyRemoved => V1.Verdict.VendorKeyRemoved,
                VerdictStatus.NotRecorded => V1.Verdict.NotRecorded,
                VerdictStatus.Revoked => V1.Verdict.Revoked,
                VerdictStatus.Expired => V1.Verdict.Expired,
                VerdictStatus.SubjectMismatch => V1.Verdict.SubjectMismatch,
                _ => V1.Verdict.Unspecified,
            },
            Detail = verdict.Detail,
            AttestationId = verdict.AttestationId?.ToString() ?? "",
        };
        response.Findings.AddRange(verdict.Findings.Select(f => new V1.SubjectFinding
        {
            Subject = f.Subject,
            Match = f.Match switch
            {
                SubjectMatch.Covered => V1.SubjectMatch.Covered,
                SubjectMatch.Missing => V1.SubjectMatch.Missing,
                _ => V1.SubjectMatch.DigestDiffers,
            },
            AttestedDigests = { f.Match == SubjectMatch.DigestDiffers ? f.AttestedDigests : [] },
        }));
        return response;
    }
}
