namespace Ledger.Crypto;

/// <summary>JWE content encryption Ledger accepts.</summary>
public enum JweEncryption
{
    /// <summary>"A128GCM".</summary>
    A128Gcm,

    /// <summary>"A256GCM".</summary>
    A256Gcm,
}
