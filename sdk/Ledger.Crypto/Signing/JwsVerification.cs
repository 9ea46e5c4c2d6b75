using System.Text.Json;

namespace Ledger.Crypto;

/// <summary>
/// Outcome of <see cref="Jws.Verify"/>. Payload and Header are set only when IsValid; Kid and Key are
/// set as far as verification got, so a caller can report which key a bad token named.
/// </summary>
public sealed record JwsVerification(bool IsValid, JwsFailure Failure, string? Kid, JsonWebKey? Key, byte[]? Payload, JsonElement? Header)
{
    /// <summary>What went wrong, in words for a log or an operator; null when valid.</summary>
    public string? Detail { get; init; }

    internal static JwsVerification Fail(JwsFailure failure, string detail, string? kid = null, JsonWebKey? key = null) =>
        new(false, failure, kid, key, null, null) { Detail = detail };
}
