namespace Ledger.Crypto;

/// <summary>JWE key management Ledger accepts: ECDH-ES on P-256 with AES key wrap.</summary>
public enum JweAlgorithm
{
    /// <summary>"ECDH-ES+A128KW".</summary>
    EcdhEsA128KW,

    /// <summary>"ECDH-ES+A256KW".</summary>
    EcdhEsA256KW,
}
