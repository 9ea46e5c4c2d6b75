namespace Ledger.Revocation.Features.Revoking;

/// <summary>
/// The issuer whose licenses this ledger's feeds cover: the same setting Issuance puts in
/// every license key's <c>iss</c> (Ledger:Issuance:Issuer, default "ledger").
/// </summary>
public sealed record FeedIssuer(string Name)
{
    public const string Setting = "Ledger:Issuance:Issuer";
    public const string Default = "ledger";
}
