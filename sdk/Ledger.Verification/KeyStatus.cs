using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>The JWKS "status" values that withdraw a key from verification.</summary>
internal static class KeyStatus
{
    public const string Retired = "retired";

    public const string Compromised = "compromised";

    public static bool IsWithdrawn(JsonWebKey key) =>
        key.Status is Retired or Compromised;

    /// <summary>
    /// A key that names its ring ("purpose") vouches only for its own kind of document: a feed
    /// key cannot sign a license, nor a license key a feed. Keys without the member (made
    /// outside Ledger, e.g. by <c>ledgerctl keygen</c>) are kept apart by the token type alone.
    /// </summary>
    public static bool ServesOtherPurpose(JsonWebKey key, string purpose) =>
        key.Purpose is { } named && !string.Equals(named, purpose, StringComparison.Ordinal);
}
