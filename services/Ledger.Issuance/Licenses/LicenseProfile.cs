using Ledger.Verification;

namespace Ledger.Issuance.Licenses;

/// <summary>
/// The format of a license's keys, fixed when the license is issued (or imported) and kept by every
/// renewal and capability change. <see cref="Ledger"/> is Ledger's own (typ <c>license+jwt</c>, UUIDv7
/// id, random customer pseudonym, <c>rev</c>); <see cref="Flux"/> is the Flux Operator's, so its
/// verifier accepts the keys unchanged (typ <c>JWT</c>, UUIDv6 id, <c>sub</c> derived from the customer
/// id, <c>aud</c> an array, no <c>rev</c>; FLUX_COMPAT.md).
/// </summary>
public static class LicenseProfile
{
    public const string Ledger = "ledger";
    public const string Flux = "flux";

    /// <summary>The header typ Notary is asked to sign a key of this profile with.</summary>
    public static string TokenType(string profile) => profile == Flux ? LicenseClaims.FluxTokenType : LicenseClaims.TokenType;

    /// <summary>The JWS payload of a key of this profile.</summary>
    public static byte[] Payload(string profile, LicenseClaims claims) => profile == Flux ? claims.ToFluxJson() : claims.ToJson();

    /// <summary>The claims of a license's next key (renewal, capability change), in its own profile.</summary>
    public static LicenseClaims NextKey(License license, string issuer, DateTimeOffset now, DateTimeOffset expiresAt, IReadOnlyList<string> capabilities, int revision) =>
        new(license.Id, issuer, license.Subject, license.Audience, now, license.ValidFrom, expiresAt, capabilities, license.Product, license.Edition, revision)
        {
            Audiences = license.Audiences is { Count: > 0 } audiences ? audiences : [license.Audience],
        };
}
