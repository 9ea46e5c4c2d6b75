using System.Text;
using Ledger.Crypto;
using Ledger.Issuance.Licenses;
using Ledger.Verification;

namespace Ledger.Issuance.Features.Importing;

/// <summary>What an imported license key is recorded as, or why it is refused.</summary>
public sealed record ImportedLicenseKey(string Token, string Kid, LicenseClaims Claims, string ClaimsJson, string CustomerId, string CustomerName, string Product)
{
    /// <summary>Refusals of one key: <see cref="Invalid"/> is the key's own fault (InvalidArgument), <see cref="Precondition"/> the ledger's state (FailedPrecondition).</summary>
    public sealed record Refusal(bool Precondition, string Description);

    /// <summary>The customer fields of an import request, applied to every key of the request.</summary>
    public sealed record Customer(string? Id, string? Name, string? Product);

    /// <summary>
    /// Checks one Flux license key against Notary's license ring and this ledger's issuer, with no I/O:
    /// the signature must verify with a key of the ring that is not withdrawn, the header typ must be
    /// the Flux format's <c>JWT</c>, the claims a license claim set with a UUIDv6 <c>jti</c> and this
    /// ledger's <c>iss</c>. An expired key is accepted (recorded as expired).
    /// </summary>
    public static (ImportedLicenseKey? Key, Refusal? Refusal) Check(string token, JsonWebKeySet ring, string issuer, Customer customer)
    {
        var trimmed = token.Trim();
        var verification = Jws.Verify(trimmed, ring, new JwsVerifyOptions());
        if (verification.Key is { Status: "retired" or "compromised" } withdrawn)
        {
            return Refuse(true, $"it is signed by key '{verification.Kid}', which Notary marks {withdrawn.Status}: nothing it signed is trusted any more, so it is not recorded");
        }

        if (!verification.IsValid || verification.Payload is null)
        {
            return verification.Failure switch
            {
                JwsFailure.UnknownKey => Refuse(true,
                    $"it is signed by key '{verification.Kid ?? "(no kid)"}', which is not in Notary's license ring: import the Flux signing key first " +
                    "(ledgerctl keys import FILE --purpose license), then import the license keys it signed"),
                JwsFailure.BadSignature => Refuse(false, $"its signature does not verify with key '{verification.Kid}' ({verification.Detail}): it was altered or is not the original; import the key as the customer received it"),
                _ => Refuse(false, $"not a compact JWS license key ({verification.Failure}: {verification.Detail})"),
            };
        }

        var typ = verification.Header is { } header && header.TryGetProperty("typ", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
        if (!string.Equals(typ, LicenseClaims.FluxTokenType, StringComparison.Ordinal))
        {
            return Refuse(false, $"its header typ is '{typ ?? "(none)"}', not the Flux format's '{LicenseClaims.FluxTokenType}': only Flux license keys are imported (keys the ledger issued are recorded already)");
        }

        LicenseClaims claims;
        try
        {
            claims = LicenseClaims.Parse(verification.Payload);
        }
        catch (FeedFormatException e)
        {
            return Refuse(false, $"its claims are not a license claim set: {e.Message}");
        }

        if (!UuidV6.IsVersion6(claims.LicenseId))
        {
            return Refuse(false, $"its jti {claims.LicenseId} is not a UUIDv6, as every Flux license key's is");
        }

        if (!string.Equals(claims.Issuer, issuer, StringComparison.Ordinal))
        {
            return Refuse(true,
                $"it was issued by '{claims.Issuer}', but this ledger's issuer is '{issuer}', and its feeds and revocations.json speak only for '{issuer}'. " +
                $"To take over '{claims.Issuer}''s licenses, run the ledger with that issuer (Ledger:Issuance:Issuer)");
        }

        if (claims.ExpiresAt <= claims.NotBefore)
        {
            return Refuse(false, "its exp is not after its nbf");
        }

        if (customer.Name is { } name && IsFluxPseudonym(claims.Subject) && LicenseClaims.FluxSubject(name) != claims.Subject)
        {
            return Refuse(false, $"its sub '{claims.Subject}' is not the pseudonym of customer name '{name}' ({LicenseClaims.FluxSubject(name)}); give the name it was signed for ('sign license-key -c'), or none");
        }

        var product = customer.Product ?? claims.Product ?? claims.Audiences.FirstOrDefault(a => LicenseLimits.IsIdentifier(a, LicenseLimits.MaxCapabilityLength));
        if (product is null || !LicenseLimits.IsIdentifier(product, LicenseLimits.MaxCapabilityLength))
        {
            return Refuse(false, "it names no product the ledger can file it under (no 'product' claim, no audience of a-z, 0-9, ':', '.', '_', '-'); give the product");
        }

        var customerId = customer.Id ?? claims.Subject;
        return (new ImportedLicenseKey(trimmed, verification.Kid!, claims, Encoding.UTF8.GetString(verification.Payload), customerId, customer.Name ?? customerId, product), null);
    }

    public LicenseImported ToEvent(DateTimeOffset now, string requestedBy) => new(
        Claims.LicenseId, CustomerId, CustomerName, Claims.Subject, Product, Claims.Edition, Claims.Audiences, Claims.Capabilities,
        Claims.IssuedAt, Claims.NotBefore, Claims.ExpiresAt, LicenseProfile.Flux, ClaimsJson, new SignedLicenseKey(Token, Kid, 1), now, requestedBy, null);

    private static bool IsFluxPseudonym(string subject) =>
        subject.Length == 18 && subject.StartsWith("c-", StringComparison.Ordinal) && subject[2..].All(char.IsAsciiHexDigitLower);

    private static (ImportedLicenseKey?, Refusal?) Refuse(bool precondition, string description) => (null, new Refusal(precondition, description));
}
