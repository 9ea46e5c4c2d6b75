using Google.Protobuf.WellKnownTypes;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Statements;
using V1 = Ledger.Contracts.Attestation.V1;

namespace Ledger.Attestation.Features.Querying;

public static class AttestationMapping
{
    public static V1.Attestation ToProto(this AttestationRecord attestation, DateTimeOffset now)
    {
        var proto = new V1.Attestation
        {
            AttestationId = attestation.Id.ToString(),
            Kind = attestation.Kind.ToProto(),
            VendorId = attestation.VendorId ?? "",
            VendorKid = attestation.VendorKid ?? "",
            NotaryKid = attestation.NotaryKid,
            SignedStatement = attestation.SignedStatement,
            IssuedAt = attestation.IssuedAt.ToTimestamp(),
            ExpiresAt = attestation.ExpiresAt?.ToTimestamp(),
            Status = attestation.StatusAt(now) switch
            {
                AttestationStatus.Valid => V1.AttestationStatus.Valid,
                AttestationStatus.Expired => V1.AttestationStatus.Expired,
                _ => V1.AttestationStatus.Revoked,
            },
            RevokedAt = attestation.RevokedAt?.ToTimestamp(),
            RevocationReason = attestation.RevocationReason ?? "",
            RequestedBy = attestation.RequestedBy,
        };
        proto.Subjects.AddRange(attestation.Subjects);
        if (attestation.Manifest is { } manifest)
        {
            proto.Manifest = new V1.Manifest { Name = manifest.Name, Digest = manifest.Digest, Ignore = { manifest.Ignore } };
        }

        return proto;
    }

    public static V1.AttestationKind ToProto(this AttestationKind kind) =>
        kind == AttestationKind.Artifacts ? V1.AttestationKind.Artifacts : V1.AttestationKind.Manifest;
}
