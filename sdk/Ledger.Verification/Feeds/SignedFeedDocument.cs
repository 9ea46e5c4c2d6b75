using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>Signature, type and key checks shared by feeds and filters, before their payloads are read.</summary>
internal static class SignedFeedDocument
{
    public static (byte[]? Payload, JsonWebKey? Key, string? Failure) Verify(string jws, JsonWebKeySet trusted, string type, string what, FeedOptions options)
    {
        var verification = Jws.Verify(jws ?? string.Empty, trusted, new JwsVerifyOptions
        {
            RequiredType = type,
            MaxTokenBytes = options.MaxFeedBytes,
        });

        // A retired or compromised key must not vouch for revocations, whatever the signature says.
        if (verification.Key is { } key && KeyStatus.IsWithdrawn(key))
        {
            return (null, key, $"The {what} is signed with key '{verification.Kid}', which the JWKS marks {key.Status}. Fetch a {what} signed with the current feed key.");
        }

        if (verification.Key is { } signer && KeyStatus.PurposeMismatch(signer, "feed", options) is { } mismatch)
        {
            return (null, signer, $"The {what} is signed with key '{verification.Kid}', {mismatch}. Do not trust this copy.");
        }

        if (!verification.IsValid || verification.Payload is null)
        {
            var advice = verification.Failure == JwsFailure.UnknownKey
                ? "Refresh the trusted JWKS from Notary if the feed key was rotated; otherwise the feed is not Ledger's."
                : $"Fetch the {what} again from the Revocation service; do not trust this copy.";
            return (null, verification.Key, $"The {what} does not verify ({verification.Failure}: {verification.Detail}). {advice}");
        }

        return (verification.Payload, verification.Key, null);
    }

    /// <summary>A signed document dated after its key's not_after was made by a key that should no longer sign.</summary>
    public static string? SignedAfterKeyEnd(JsonWebKey key, DateTimeOffset issuedAt, string what, FeedOptions options) =>
        key.NotAfter is { } notAfter && issuedAt > notAfter.Plus(options.ClockSkew)
            ? $"The {what} was signed at {issuedAt.Text()}, after its key '{key.Kid}' stopped being valid ({notAfter.Text()}). Fetch a {what} signed with the current key."
            : null;
}
