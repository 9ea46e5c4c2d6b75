namespace Ledger.ClientTokens;

/// <summary>The roles a client can hold. Each rpc declares the roles it accepts.</summary>
public static class LedgerRoles
{
    /// <summary>Issues, renews and changes licenses; at Notary: signs license keys.</summary>
    public const string Issuer = "issuer";

    /// <summary>Revokes licenses; at Notary: signs revocation feeds.</summary>
    public const string Revoker = "revoker";

    /// <summary>Attests artifacts; at Notary: signs and countersigns attestations.</summary>
    public const string Attestor = "attestor";

    /// <summary>Rotates, retires and marks keys compromised.</summary>
    public const string KeyAdmin = "key-admin";

    /// <summary>Reads everything, changes nothing.</summary>
    public const string Auditor = "auditor";

    public static readonly IReadOnlyList<string> All = [Issuer, Revoker, Attestor, KeyAdmin, Auditor];

    /// <summary>For reads: the role that writes a record may also read it.</summary>
    public const string IssuerOrAuditor = Issuer + "," + Auditor;

    public const string RevokerOrAuditor = Revoker + "," + Auditor;

    public const string AttestorOrAuditor = Attestor + "," + Auditor;

    public const string KeyAdminOrAuditor = KeyAdmin + "," + Auditor;

    public const string Signer = Issuer + "," + Revoker + "," + Attestor;
}
