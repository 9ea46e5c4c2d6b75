using System.Text;
using Ledger.Attestation.Attestations;
using Ledger.Attestation.Statements;
using Ledger.Attestation.VendorKeys;
using Ledger.Crypto;

namespace Ledger.Attestation.Features.Verifying;

/// <summary>What one verification looks at; everything is passed in, nothing is fetched.</summary>
/// <param name="Recorded">The ledger's record under the statement's id, or null when there is none.</param>
/// <param name="VendorRing">The key ring of the vendor the statement names, or null.</param>
public sealed record VerificationInput(
    AttestationEnvelope Envelope,
    JsonWebKeySet NotaryKeys,
    VendorKeyRing? VendorRing,
    AttestationRecord? Recorded,
    IReadOnlyList<ArtifactReference> Artifacts,
    string? ManifestDigest,
    DateTimeOffset Now);

/// <summary>
/// Decides whether an attestation holds for what a verifier has, with no I/O and no clock of its own.
/// The checks run in order and the first failure is the verdict: the statement's format; Notary's
/// signature by a key in the attestation JWKS; when the statement names a vendor, exactly one more
/// signature, by a key registered for that vendor and not removed (removal withdraws trust in all the
/// key signed, whenever it signed); the ledger's record of the statement; revocation; expiry; and then
/// every subject the verifier asks about, each named if it is missing or differs.
/// </summary>
public static class AttestationVerifier
{
    private static readonly JwsVerifyOptions SignatureRules = new()
    {
        MaxTokenBytes = StatementLimits.MaxAttestationBytes,
        RequiredType = AttestationStatement.TokenType,
    };

    public static AttestationVerdict Verify(VerificationInput input)
    {
        AttestationStatement statement;
        try
        {
            statement = AttestationStatement.Parse(input.Envelope.Payload);
        }
        catch (StatementFormatException e)
        {
            return AttestationVerdict.Fail(VerdictStatus.Malformed, $"The attestation's payload is not a Ledger statement. {e.Message}");
        }

        var id = statement.Id;
        var document = input.Envelope.Document;
        var notary = Enumerable.Range(0, document.Signatures.Count).Select(i => document.Verify(i, input.NotaryKeys, SignatureRules)).ToList();
        var notaryIndex = notary.FindIndex(v => v.IsValid);
        if (notaryIndex < 0)
        {
            return NotarySignatureFailure(notary, input, id);
        }

        var notaryKid = notary[notaryIndex].Kid!;
        var others = Enumerable.Range(0, document.Signatures.Count).Where(i => i != notaryIndex).ToList();
        string? vendorKid = null;
        if (statement.Vendor is null)
        {
            if (others.Count > 0)
            {
                return AttestationVerdict.Fail(VerdictStatus.Malformed,
                    $"The attestation carries {others.Count} signature(s) besides Notary's, but its statement names no vendor; only a statement naming its vendor is signed twice.", id);
            }
        }
        else
        {
            if (VendorSignatureFailure(statement.Vendor, others, input, id, out vendorKid) is { } vendorFailure)
            {
                return vendorFailure;
            }
        }

        if (input.Recorded is null)
        {
            return AttestationVerdict.Fail(VerdictStatus.NotRecorded,
                $"This ledger has no attestation {id}, though Notary's attestation key signed the statement. Only attestations this ledger recorded are trusted; ask the vendor where it came from.", id);
        }

        if (!Encoding.UTF8.GetBytes(input.Recorded.Statement).AsSpan().SequenceEqual(input.Envelope.Payload))
        {
            return AttestationVerdict.Fail(VerdictStatus.NotRecorded,
                $"The statement differs from the one this ledger recorded as attestation {id}; it was not issued through the ledger. Do not trust it.", id);
        }

        if (input.Recorded.Revoked)
        {
            return AttestationVerdict.Fail(VerdictStatus.Revoked,
                $"Attestation {id} was revoked at {input.Recorded.RevokedAt:u} ({input.Recorded.RevocationReason}); the artifacts it covers must not be trusted on its account.", id);
        }

        if (statement.ExpiresAt is { } expiresAt && expiresAt <= input.Now - StatementLimits.ClockSkew)
        {
            return AttestationVerdict.Fail(VerdictStatus.Expired,
                $"Attestation {id} expired at {expiresAt:u}; the time is {input.Now:u}. Ask for a current attestation.", id);
        }

        var signedBy = vendorKid is null ? $"Notary key {notaryKid}" : $"vendor {statement.Vendor}'s key {vendorKid} and Notary key {notaryKid}";
        return CompareSubjects(statement, input, id, signedBy);
    }

    private static AttestationVerdict NotarySignatureFailure(List<JwsVerification> notary, VerificationInput input, Guid id)
    {
        if (notary.FirstOrDefault(v => v.Failure == JwsFailure.BadSignature && v.Key is not null) is { } bad)
        {
            return AttestationVerdict.Fail(VerdictStatus.BadSignature,
                $"Notary's signature (key {bad.Kid}) does not verify: the statement or the signature was changed after signing. Do not trust it.", id);
        }

        var vendorKids = input.VendorRing?.Keys.Select(k => k.Kid).ToHashSet() ?? [];
        if (notary.FirstOrDefault(v => v.Failure is not (JwsFailure.UnknownKey or JwsFailure.BadSignature) && (v.Kid is null || !vendorKids.Contains(v.Kid))) is { } malformed)
        {
            return AttestationVerdict.Fail(VerdictStatus.Malformed, $"A signature of the attestation is refused: {malformed.Detail}", id);
        }

        var kids = string.Join(", ", input.Envelope.Kids.Select(k => k ?? "(none)").Where(k => !vendorKids.Contains(k)));
        return AttestationVerdict.Fail(VerdictStatus.UnknownKey,
            $"No signature is by a Notary attestation key in the JWKS (kids: {(kids.Length == 0 ? "none" : kids)}). The key may have been retired or marked compromised, or the attestation comes from another ledger; without Notary's signature it is not trusted.", id);
    }

    private static AttestationVerdict? VendorSignatureFailure(string vendor, List<int> others, VerificationInput input, Guid id, out string? vendorKid)
    {
        vendorKid = null;
        if (others.Count == 0)
        {
            return AttestationVerdict.Fail(VerdictStatus.VendorSignatureMissing,
                $"The statement names vendor {vendor} but carries only Notary's signature. A vendor's statement is trusted only with the vendor's signature as well: ask for the dual-signed attestation (JWS JSON with both signatures).", id);
        }

        if (others.Count > 1)
        {
            return AttestationVerdict.Fail(VerdictStatus.Malformed,
                $"The attestation carries {others.Count + 1} signatures; a dual-signed attestation carries exactly two, the vendor's and Notary's.", id);
        }

        var ring = input.VendorRing?.ToJwks() ?? new JsonWebKeySet([]);
        var signature = input.Envelope.Document.Verify(others[0], ring, SignatureRules);
        if (signature.Kid is null)
        {
            return AttestationVerdict.Fail(VerdictStatus.Malformed, $"The vendor signature is refused: {signature.Detail}", id);
        }

        vendorKid = signature.Kid;
        var key = input.VendorRing?.Find(signature.Kid);
        if (key is null)
        {
            return AttestationVerdict.Fail(VerdictStatus.VendorKeyUnknown,
                $"The vendor signature names key {signature.Kid}, which is not registered for vendor {vendor}. Do not trust the statement.", id);
        }

        if (key.IsRemoved)
        {
            return AttestationVerdict.Fail(VerdictStatus.VendorKeyRemoved,
                $"Vendor {vendor}'s key {key.Kid} was removed at {key.RemovedAt:u} ({key.RemovalReason}); nothing it signed is trusted any more. Ask the vendor for an attestation signed with a current key.", id);
        }

        if (!signature.IsValid)
        {
            return AttestationVerdict.Fail(VerdictStatus.VendorSignatureInvalid,
                $"Vendor {vendor}'s signature (key {key.Kid}) does not verify: {signature.Detail} Do not trust the statement.", id);
        }

        return null;
    }

    private static AttestationVerdict CompareSubjects(AttestationStatement statement, VerificationInput input, Guid id, string signedBy)
    {
        var findings = new List<SubjectFinding>();
        string? kindProblem = null;
        if (statement.Kind == AttestationKind.Artifacts)
        {
            if (input.ManifestDigest is { } manifest)
            {
                findings.Add(new SubjectFinding(manifest, SubjectMatch.Missing, []));
                kindProblem = "the attestation is about artifacts, not a manifest";
            }

            foreach (var wanted in input.Artifacts)
            {
                var sameRepository = statement.Artifacts.Where(a => a.Repository == wanted.Repository).Select(a => a.Digest).Distinct().ToList();
                findings.Add(new SubjectFinding(wanted.ToString(),
                    sameRepository.Contains(wanted.Digest) ? SubjectMatch.Covered
                    : sameRepository.Count > 0 ? SubjectMatch.DigestDiffers
                    : SubjectMatch.Missing,
                    sameRepository.Contains(wanted.Digest) ? [wanted.Digest] : sameRepository));
            }
        }
        else
        {
            var attested = statement.Manifest!;
            foreach (var wanted in input.Artifacts)
            {
                findings.Add(new SubjectFinding(wanted.ToString(), SubjectMatch.Missing, []));
                kindProblem = $"the attestation is about the manifest '{attested.Name}', not artifacts";
            }

            if (input.ManifestDigest is { } digest)
            {
                findings.Add(new SubjectFinding(digest, digest == attested.Digest ? SubjectMatch.Covered : SubjectMatch.DigestDiffers, [attested.Digest]));
            }
        }

        var failed = findings.Where(f => f.Match != SubjectMatch.Covered).ToList();
        if (failed.Count == 0)
        {
            return new AttestationVerdict(VerdictStatus.Valid,
                $"Valid: attestation {id}, signed by {signedBy}, covers all {findings.Count} subject(s) with the same digests.", id, findings);
        }

        var named = failed.Select(f => Describe(f, statement));
        var summary = $"{failed.Count} of {findings.Count} subject(s) do not match attestation {id}{(kindProblem is null ? "" : $" ({kindProblem})")}: {string.Join("; ", named)}.";
        return new AttestationVerdict(VerdictStatus.SubjectMismatch, summary + " Do not trust these subjects on this attestation's account.", id, findings);
    }

    private static string Describe(SubjectFinding finding, AttestationStatement statement) => finding.Match switch
    {
        SubjectMatch.DigestDiffers when statement.Kind == AttestationKind.Manifest =>
            $"the directory hashes to {finding.Subject} but manifest '{statement.Manifest!.Name}' is attested as {finding.AttestedDigests[0]}" +
            (statement.Manifest.Ignore.Count == 0 ? " (every file hashed)" : $" (files ending in {string.Join(", ", statement.Manifest.Ignore)} left out)") +
            ": a file was added, removed or changed",
        SubjectMatch.DigestDiffers => $"{finding.Subject} differs: its repository is attested with {string.Join(", ", finding.AttestedDigests)}",
        _ => $"{finding.Subject} is missing from the attestation",
    };
}
