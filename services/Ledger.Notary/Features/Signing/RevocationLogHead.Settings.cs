using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Notary.Features.Signing;

public sealed partial class RevocationLogHead
{
    /// <summary>Where Revocation's HTTP endpoint is, as bound from Ledger:Notary, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        /// <summary>Revocation's HTTP address; unset or empty: the feed-version check is off.</summary>
        public string? RevocationUrl { get; set; }

        /// <summary>The address as a base for relative paths (ending in '/'), or null when the check is off.</summary>
        public Uri? Address => string.IsNullOrWhiteSpace(RevocationUrl) ? null : new Uri(RevocationUrl.Trim().TrimEnd('/') + "/");

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!string.IsNullOrWhiteSpace(RevocationUrl) && ServiceAddress.HttpProblem(RevocationUrl.Trim(), "Revocation") is { } problem)
            {
                yield return ("RevocationUrl", $"{problem}; leave it unset to turn the feed-version check off");
            }
        }
    }
}
