namespace Ledger.Attestation.Attestations;

/// <summary>RFC 5280 CRLReason names: the vocabulary the revocation feeds carry for licenses and attestations alike.</summary>
public static class RevocationReasons
{
    public const string Unspecified = "unspecified";
    public const string KeyCompromise = "keyCompromise";
    public const string Superseded = "superseded";
    public const string CessationOfOperation = "cessationOfOperation";
    public const string PrivilegeWithdrawn = "privilegeWithdrawn";
}
