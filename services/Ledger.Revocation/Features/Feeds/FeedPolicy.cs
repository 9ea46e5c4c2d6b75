using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>How long feeds live and how often verifiers refresh (settings under Ledger:Revocation:Feed).</summary>
/// <param name="FilterLag">
/// How long Revocation may take to learn of a newly issued license. The filter covers only
/// licenses minted at least this long before it was built: a newer one may be missing from
/// its universe, where the cascade's answer is meaningless, so it is reported "not covered".
/// </param>
public sealed record FeedPolicy(TimeSpan Lifetime, TimeSpan Refresh, int MaxDeltaEntries, TimeSpan FilterLag)
{
    public const string Section = "Ledger:Revocation:Feed";

    public static readonly FeedPolicy Default = new(TimeSpan.FromHours(24), TimeSpan.FromHours(1), 10_000, TimeSpan.FromMinutes(2));

    public static FeedPolicy From(Settings settings) => new(
        TimeSpan.FromSeconds(settings.LifetimeSeconds), TimeSpan.FromSeconds(settings.RefreshSeconds),
        settings.MaxDeltaEntries, TimeSpan.FromSeconds(settings.FilterLagSeconds));

    /// <summary>The settings as bound from <see cref="Section"/>, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        private const double MaxLifetimeSeconds = 30 * 86400;

        public double LifetimeSeconds { get; set; } = Default.Lifetime.TotalSeconds;

        public double RefreshSeconds { get; set; } = Default.Refresh.TotalSeconds;

        public int MaxDeltaEntries { get; set; } = Default.MaxDeltaEntries;

        public double FilterLagSeconds { get; set; } = Default.FilterLag.TotalSeconds;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!(LifetimeSeconds is >= 60 and <= MaxLifetimeSeconds))
            {
                yield return ("LifetimeSeconds", $"must be from 60 to {MaxLifetimeSeconds} seconds (30 days) (was {LifetimeSeconds})");
            }

            if (!(RefreshSeconds >= 1 && RefreshSeconds <= LifetimeSeconds))
            {
                yield return ("RefreshSeconds", $"must be at least 1 and at most LifetimeSeconds ({LifetimeSeconds}), so verifiers refresh before a feed expires (was {RefreshSeconds})");
            }

            if (MaxDeltaEntries is < 1 or > 1_000_000)
            {
                yield return ("MaxDeltaEntries", $"must be from 1 to 1000000 (was {MaxDeltaEntries})");
            }

            if (!(FilterLagSeconds is >= 0 and <= 86400))
            {
                yield return ("FilterLagSeconds", $"must be from 0 to 86400 seconds (was {FilterLagSeconds})");
            }
        }
    }
}
