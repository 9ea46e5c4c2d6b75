namespace Ledger.Notary.Keys;

public enum KeyStatus
{
    /// <summary>Published in the JWKS ahead of activation; not signing yet.</summary>
    Pending,

    /// <summary>The ring's signing key.</summary>
    Active,

    /// <summary>Replaced; stays in the JWKS until everything it signed has expired.</summary>
    Retiring,

    /// <summary>Out of the JWKS; nothing valid depends on it.</summary>
    Retired,

    /// <summary>Out of the JWKS at once; never trusted again.</summary>
    Compromised,
}

public static class KeyStatuses
{
    /// <summary>Whether verifiers may accept signatures of a key in this status.</summary>
    public static bool IsPublished(this KeyStatus status) =>
        status is KeyStatus.Pending or KeyStatus.Active or KeyStatus.Retiring;
}
