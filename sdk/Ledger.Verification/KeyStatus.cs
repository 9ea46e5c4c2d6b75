using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>The JWKS "status" values that withdraw a key from verification.</summary>
internal static class KeyStatus
{
    public const string Retired = "retired";

    public const string Compromised = "compromised";

    public static bool IsWithdrawn(JsonWebKey key) =>
        key.Status is Retired or Compromised;
}
