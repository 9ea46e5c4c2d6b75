using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Crypto;

namespace Ledger.Cli.Attestations;

/// <summary>Verifies an offline attestation file's signature and reads it; the first failing check is the status.</summary>
internal static class AttestationCheck
{
    private const long MaxFileBytes = 96 * 1024;
    private const string AttestationPurpose = "attestation";

    public sealed record Outcome(string Status, string Detail, OfflineAttestation? Attestation, string? Kid)
    {
        public bool IsValid => Attestation is not null;
    }

    public static Outcome Verify(string path, JsonWebKeySet trusted, string expectedKind)
    {
        var token = LocalFiles.ReadText(path, MaxFileBytes, "attestation file").Trim();
        var verification = Jws.Verify(token, trusted, new JwsVerifyOptions { RequiredType = OfflineAttestation.TokenType, MaxTokenBytes = (int)MaxFileBytes });
        // As for licenses: a withdrawn key vouches for nothing, and only an attestation key for an attestation.
        // Keys without a "purpose" member (a Flux JWKS, one purpose per set) are taken as attestation keys here.
        if (verification.Key is { Status: "retired" or "compromised" } withdrawn)
        {
            return new Outcome("KeyRetiredOrCompromised", $"The attestation is signed with key '{verification.Kid}', which the JWKS marks {withdrawn.Status}; what it signed is no longer trusted. Ask for an attestation signed with a current key.", null, verification.Kid);
        }

        if (verification.Key is { Purpose: { } purpose } && purpose != AttestationPurpose)
        {
            return new Outcome("WrongKeyPurpose", $"The attestation is signed with key '{verification.Kid}', a {purpose} key; only attestation keys vouch for artifacts and manifests. Do not trust it.", null, verification.Kid);
        }

        if (!verification.IsValid)
        {
            return verification.Failure switch
            {
                JwsFailure.UnknownKey => new Outcome("UnknownKey", $"The attestation names a key the trusted JWKS does not hold ({verification.Detail}). Pass the signer's public JWKS with --key.", null, verification.Kid),
                JwsFailure.BadSignature => new Outcome("BadSignature", $"The attestation's signature does not verify ({verification.Detail}): it was altered or forged.", null, verification.Kid),
                _ => new Outcome("Malformed", $"{path} is not an offline attestation ({verification.Failure}: {verification.Detail}). Make one with 'ledgerctl sign manifests' or 'ledgerctl sign artifacts'.", null, verification.Kid),
            };
        }

        if (OfflineAttestation.TryParse(verification.Payload!, out var problem) is not { } attestation)
        {
            return new Outcome("Malformed", $"The attestation is signed but its statement is malformed: {problem}.", null, verification.Kid);
        }

        if (attestation.Kind != expectedKind)
        {
            return new Outcome("Malformed", $"{path} attests {attestation.Kind}, not {expectedKind}; use 'ledgerctl verify {attestation.Kind}'.", null, verification.Kid);
        }

        if (KeyNames.NameOf(verification.Kid) is { } keyIssuer && keyIssuer != attestation.Issuer)
        {
            return new Outcome("WrongIssuer", $"The attestation claims issuer '{attestation.Issuer}' but is signed by a key of '{keyIssuer}'. Do not trust it.", null, verification.Kid);
        }

        return new Outcome("Valid", string.Empty, attestation, verification.Kid);
    }
}
