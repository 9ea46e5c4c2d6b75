using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ServiceDefaults.Hosting;

/// <summary>
/// The ledger's issuer name: the <c>iss</c> of every license key, feed, filter and attestation it
/// signs (setting <c>Ledger:Issuance:Issuer</c>, default <c>ledger</c>). Every service reads the same
/// setting, and Issuance, Revocation and Attestation refuse to start when theirs differs from
/// Notary's (IssuerAgreement, in Ledger.NotaryClient): a feed under another issuer would silently stop
/// covering the licenses.
/// </summary>
public sealed record LedgerIssuer(string Name)
{
    public const string Section = "Ledger:Issuance";
    public const string Setting = Section + ":Issuer";
    public const string Default = "ledger";
    public const int MaxLength = 256;

    /// <summary>The issuer setting as bound from configuration.</summary>
    public sealed class Settings : IValidatedSettings
    {
        public string Issuer { get; set; } = Default;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (string.IsNullOrEmpty(Issuer) || Issuer.Length > MaxLength || Issuer.Any(c => c <= ' ' || c > '~'))
            {
                yield return ("Issuer", $"must be 1 to {MaxLength} printable ASCII characters without spaces, such as 'ledger' " +
                                        $"or 'https://licensing.example.com' (was '{Issuer}')");
            }
        }
    }

    internal static void Register(IServiceCollection services)
    {
        services.AddValidatedSettings<Settings>(Section);
        services.AddSingleton(sp => new LedgerIssuer(sp.Settings<Settings>().Issuer));
    }
}
