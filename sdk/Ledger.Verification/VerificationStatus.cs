namespace Ledger.Verification;

/// <summary>
/// The verdict of an offline check. Everything but <see cref="Valid"/> is a refusal; the checks run in
/// the order listed, so the first failing one names the verdict. Values are stable (persisted and compared
/// by number): <see cref="Superseded"/> came last and is numbered after the others.
/// </summary>
public enum VerificationStatus
{
    Valid,

    /// <summary>Not a compact JWS, wrong <c>typ</c>, or claims or payload members missing or of the wrong type.</summary>
    Malformed,

    /// <summary>The license key's signature does not verify.</summary>
    BadSignature,

    /// <summary>Its <c>kid</c> names no Ed25519 signing key in the trusted JWKS.</summary>
    UnknownKey,

    /// <summary>Its key is in the JWKS but marked retired or compromised, or it was signed after the key's <c>not_after</c>.</summary>
    KeyRetiredOrCompromised,

    WrongIssuer,

    WrongAudience,

    NotYetValid,

    Expired,

    MissingCapability,

    /// <summary>The feed or filter does not verify with a trusted key, or was signed with a retired or compromised one.</summary>
    FeedSignatureInvalid,

    /// <summary>The time is past the feed's <c>exp</c>: a freeze attack, or a verifier that stopped refreshing.</summary>
    FeedStale,

    /// <summary>The feed's version is lower than the last one accepted.</summary>
    FeedRolledBack,

    /// <summary>Same version with another chain, or a delta (or unpruned full feed) whose entries do not fold to its signed chain.</summary>
    FeedChainBroken,

    Revoked,

    /// <summary>The feed or filter cannot speak for this license: another issuer, issued after <c>covers_until</c>, or pruned.</summary>
    NotCovered,

    /// <summary>Receipts are required and none was given.</summary>
    ReceiptMissing,

    /// <summary>The receipt does not prove that Notary's signature log recorded this signature (another entry, a bad inclusion proof, or an unverifiable checkpoint).</summary>
    NotInLog,

    /// <summary>A checkpoint does not verify, shrinks below the stored one, or is not an append-only extension of another checkpoint.</summary>
    CheckpointInconsistent,

    /// <summary>
    /// The license key is an older revision: a downgrade (capabilities removed, expiry shortened) re-keyed the
    /// license and the feed or filter holds a revision floor above this key's <c>rev</c>. Checked right after
    /// <see cref="Revoked"/> (a revoked license is reported revoked). The newest key of the license is valid.
    /// </summary>
    Superseded,
}
