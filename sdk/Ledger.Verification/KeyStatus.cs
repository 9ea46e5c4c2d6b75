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
    /// A key vouches only for its own kind of document: a feed key cannot sign a license, nor a
    /// license key a feed or an attestation. A key that names its ring ("purpose") must name
    /// <paramref name="purpose"/>. A key without the member (a Flux JWKS, one purpose per set) counts
    /// only when the caller said which purpose its whole set has (<see cref="FeedOptions.UnmarkedKeyPurpose"/>).
    /// Null when the key may sign it; otherwise what is wrong.
    /// </summary>
    public static string? PurposeMismatch(JsonWebKey key, string purpose, FeedOptions options)
    {
        if (key.Purpose is { } named)
        {
            return string.Equals(named, purpose, StringComparison.Ordinal) ? null : $"a {JsonMembers.Printable(named)} key; only {purpose} keys may sign it";
        }

        return string.Equals(options.UnmarkedKeyPurpose, purpose, StringComparison.Ordinal)
            ? null
            : $"a key without a 'purpose' member; set FeedOptions.UnmarkedKeyPurpose (ledgerctl does, from the command) only when the whole trusted set holds {purpose} keys";
    }
}
