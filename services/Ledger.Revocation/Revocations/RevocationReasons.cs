namespace Ledger.Revocation.Revocations;

/// <summary>RFC 5280 CRLReason names, the vocabulary feeds and events use.</summary>
public static class RevocationReasons
{
    public const string Unspecified = "unspecified";
    public const string KeyCompromise = "keyCompromise";
    public const string AffiliationChanged = "affiliationChanged";
    public const string Superseded = "superseded";
    public const string CessationOfOperation = "cessationOfOperation";
    public const string PrivilegeWithdrawn = "privilegeWithdrawn";
}
