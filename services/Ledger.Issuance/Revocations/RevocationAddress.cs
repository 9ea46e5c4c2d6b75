using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Issuance.Revocations;

/// <summary>
/// Where Issuance reaches Revocation's gRPC API (setting <c>Ledger:Revocation:Url</c>, default
/// <c>http://127.0.0.1:5031</c>): <see cref="RekeyClearance"/> asks it before a license gets a new key.
/// </summary>
public sealed record RevocationAddress(Uri Url)
{
    public const string Section = "Ledger:Revocation";

    /// <summary>The address as bound from <see cref="Section"/>, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        /// <summary>Unset or empty: <see cref="RekeyClearance.DefaultUrl"/>.</summary>
        public string? Url { get; set; }

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!string.IsNullOrWhiteSpace(Url) && ServiceAddress.GrpcProblem(Url.Trim(), "Revocation") is { } problem)
            {
                yield return ("Url", problem);
            }
        }
    }

    internal static void Register(IServiceCollection services)
    {
        services.AddValidatedSettings<Settings>(Section);
        services.AddSingleton(sp => new RevocationAddress(new Uri(
            sp.Settings<Settings>().Url is { } url && !string.IsNullOrWhiteSpace(url) ? url.Trim() : RekeyClearance.DefaultUrl)));
    }
}
