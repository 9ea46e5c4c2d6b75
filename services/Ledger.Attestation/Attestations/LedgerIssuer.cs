namespace Ledger.Attestation.Attestations;

/// <summary>
/// The <c>iss</c> of every statement: the ledger's issuer name, the same setting Issuance and Revocation
/// read (Ledger:Issuance:Issuer, default "ledger"), so that issuer's revocation feeds cover attestations too.
/// </summary>
public sealed record LedgerIssuer(string Name)
{
    public const string Setting = "Ledger:Issuance:Issuer";
    public const string Default = "ledger";
}
