namespace Ledger.Notary.Keys;

/// <summary>What a key is for. Each purpose is a key ring with at most one active key.</summary>
public enum KeyPurpose
{
    License,
    Attestation,
    Feed,
    Encryption,

    /// <summary>Signs the checkpoints of Notary's signature log; only Notary itself asks it to sign.</summary>
    Checkpoint,
}

public static class KeyPurposes
{
    public static readonly IReadOnlyList<KeyPurpose> All = Enum.GetValues<KeyPurpose>();

    /// <summary>The lower-case name used in JWKS, events and configuration.</summary>
    public static string Name(this KeyPurpose purpose) => purpose.ToString().ToLowerInvariant();

    public static bool Signs(this KeyPurpose purpose) => purpose != KeyPurpose.Encryption;

    /// <summary>Purposes a service may ask Notary to sign for; checkpoints are signed by Notary alone.</summary>
    public static bool SignsOnRequest(this KeyPurpose purpose) => purpose is KeyPurpose.License or KeyPurpose.Attestation or KeyPurpose.Feed;

    /// <summary>The one JOSE algorithm keys of this purpose are bound to.</summary>
    public static string Algorithm(this KeyPurpose purpose) =>
        purpose == KeyPurpose.Encryption ? "ECDH-ES+A128KW" : "EdDSA";

    public static bool TryParse(string? name, out KeyPurpose purpose) =>
        Enum.TryParse(name, ignoreCase: true, out purpose) && Enum.IsDefined(purpose);
}
