namespace Ledger.Crypto;

/// <summary>Why a compact JWS was refused. Verifiers map these to their own verdicts.</summary>
public enum JwsFailure
{
    None,

    /// <summary>Not three base64url parts, not a JSON object header, repeated header members, bad or missing kid.</summary>
    Malformed,

    /// <summary>Token or header larger than <see cref="JwsVerifyOptions"/> allows.</summary>
    TooLarge,

    /// <summary>The header's alg is anything but exactly "EdDSA", or the key is bound to another algorithm.</summary>
    UnsupportedAlgorithm,

    /// <summary>The header has "crit" or "b64": extensions Ledger does not implement.</summary>
    CriticalHeader,

    /// <summary>No trusted Ed25519 signing key has the header's kid.</summary>
    UnknownKey,

    BadSignature,

    /// <summary>The header carries or points at a key ("jwk", "jku", "x5u", "x5c"); keys come only from the trusted set.</summary>
    ForbiddenHeader,

    /// <summary>The header's typ is not the one <see cref="JwsVerifyOptions.RequiredType"/> asks for.</summary>
    WrongType,
}
