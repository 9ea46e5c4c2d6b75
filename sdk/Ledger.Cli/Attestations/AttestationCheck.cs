using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Attestations;

/// <summary>Verifies an offline attestation file's signature and reads it; the first failing check is the status.</summary>
internal static class AttestationCheck
{
    private const long MaxFileBytes = 96 * 1024;

    public sealed record Outcome(string Status, string Detail, OfflineAttestation? Attestation, string? Kid)
    {
        public bool IsValid => Attestation is not null;
    }

    /// <param name="trusted">Keys trusted for attestations (<see cref="KeyMaterial.TrustedKeys"/> with the attestation purpose).</param>
    public static Outcome Verify(string path, JsonWebKeySet trusted, string expectedSubject, DateTimeOffset now)
    {
        var token = RemoteFiles.ReadTextOrFile(path, MaxFileBytes, "attestation").Trim();
        var verification = Jws.Verify(token, trusted, new JwsVerifyOptions { MaxTokenBytes = (int)MaxFileBytes });
        // As for licenses: a withdrawn key vouches for nothing, and only an attestation key for an attestation.
        // Keys without a "purpose" member (a Flux JWKS, one purpose per set) are taken as attestation keys here.
        if (verification.Key is { Status: "retired" or "compromised" } withdrawn)
        {
            return new Outcome("KeyRetiredOrCompromised", $"The attestation is signed with key '{verification.Kid}', which the JWKS marks {withdrawn.Status}; what it signed is no longer trusted. Ask for an attestation signed with a current key.", null, verification.Kid);
        }

        if (verification.Key is { Purpose: { } purpose } && purpose != KeyMaterial.AttestationPurpose)
        {
            return new Outcome("WrongKeyPurpose", $"The attestation is signed with key '{verification.Kid}', a {purpose} key; only attestation keys vouch for artifacts and manifests. Do not trust it.", null, verification.Kid);
        }

        if (!verification.IsValid)
        {
            return verification.Failure switch
            {
                JwsFailure.UnknownKey => new Outcome("UnknownKey", $"The attestation names a key the trusted JWKS does not hold ({verification.Detail}). Pass the signer's public JWKS with -k.", null, verification.Kid),
                JwsFailure.BadSignature => new Outcome("BadSignature", $"The attestation's signature does not verify ({verification.Detail}): it was altered or forged.", null, verification.Kid),
                _ => new Outcome("Malformed", $"{path} is not an attestation ({verification.Failure}: {verification.Detail}). Make one with 'ledgerctl sign manifests' or 'ledgerctl sign artifacts'.", null, verification.Kid),
            };
        }

        var typ = verification.Header is { } header && header.TryGetProperty("typ", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
        string problem;
        var attestation = string.Equals(typ, LicenseClaims.FluxTokenType, StringComparison.OrdinalIgnoreCase) ? OfflineAttestation.TryParse(verification.Payload!, now, out problem)
            : string.Equals(typ, OfflineAttestation.LegacyTokenType, StringComparison.OrdinalIgnoreCase) ? OfflineAttestation.TryParseLegacy(verification.Payload!, out problem)
            : Unknown(typ, out problem);
        if (attestation is null)
        {
            return new Outcome("Malformed", $"The attestation is signed but its claims are not an attestation: {problem}.", null, verification.Kid);
        }

        if (attestation.Subject != expectedSubject)
        {
            return new Outcome("Malformed", $"{path} attests {attestation.Subject}, not {expectedSubject}; use 'ledgerctl verify {attestation.Subject}'.", null, verification.Kid);
        }

        if (KeyNames.NameOf(verification.Kid) is { } keyIssuer && keyIssuer != attestation.Issuer)
        {
            return new Outcome("WrongIssuer", $"The attestation claims issuer '{attestation.Issuer}' but is signed by a key of '{keyIssuer}'. Do not trust it.", null, verification.Kid);
        }

        return new Outcome("Valid", string.Empty, attestation, verification.Kid);
    }

    private static OfflineAttestation? Unknown(string? typ, out string problem)
    {
        problem = $"its typ is '{typ ?? "(none)"}', not '{LicenseClaims.FluxTokenType}'";
        return null;
    }
}
