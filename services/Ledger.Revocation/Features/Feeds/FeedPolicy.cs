using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>How long feeds live and how often verifiers refresh (settings under Ledger:Revocation:Feed).</summary>
/// <param name="FilterLag">
/// The longest time from Issuance minting a license id to that license's event taking its place
/// in Issuance's sequence (Issuance refuses an issue that took over 60 s, plus the commit and the
/// clock difference between Issuance replicas). The filter covers ids minted up to the license
/// horizon's time minus this: a later one may not be known yet, so it is reported "not covered".
/// </param>
/// <param name="FilterRebuild">The step in which the filter's covers_until advances (0: whole seconds): how often at most it is rebuilt only because new licenses were learned.</param>
public sealed record FeedPolicy(TimeSpan Lifetime, TimeSpan Refresh, int MaxDeltaEntries, TimeSpan FilterLag, TimeSpan FilterRebuild)
{
    public const string Section = "Ledger:Revocation:Feed";

    public static readonly FeedPolicy Default = new(
        TimeSpan.FromHours(24), TimeSpan.FromHours(1), 10_000, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(30));

    public static FeedPolicy From(Settings settings) => new(
        TimeSpan.FromSeconds(settings.LifetimeSeconds), TimeSpan.FromSeconds(settings.RefreshSeconds),
        settings.MaxDeltaEntries, TimeSpan.FromSeconds(settings.FilterLagSeconds), TimeSpan.FromSeconds(settings.FilterRebuildSeconds));

    /// <summary>The settings as bound from <see cref="Section"/>, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        // One limit, shared with every verifier (FeedOptions): a feed they would refuse is never signed.
        private static readonly double MaxLifetimeSeconds = Verification.FeedOptions.DefaultMaxFeedLifetime.TotalSeconds;

        public double LifetimeSeconds { get; set; } = Default.Lifetime.TotalSeconds;

        public double RefreshSeconds { get; set; } = Default.Refresh.TotalSeconds;

        public int MaxDeltaEntries { get; set; } = Default.MaxDeltaEntries;

        public double FilterLagSeconds { get; set; } = Default.FilterLag.TotalSeconds;

        public double FilterRebuildSeconds { get; set; } = Default.FilterRebuild.TotalSeconds;

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!(LifetimeSeconds >= 60 && LifetimeSeconds <= MaxLifetimeSeconds))
            {
                yield return ("LifetimeSeconds", $"must be from 60 to {MaxLifetimeSeconds:F0} seconds (7 days: verifiers refuse a feed that lives longer) (was {LifetimeSeconds})");
            }

            if (!(RefreshSeconds >= 1 && RefreshSeconds < LifetimeSeconds))
            {
                yield return ("RefreshSeconds", $"must be at least 1 and less than LifetimeSeconds ({LifetimeSeconds}), so verifiers refresh before a feed expires (was {RefreshSeconds})");
            }

            if (MaxDeltaEntries is < 1 or > 1_000_000)
            {
                yield return ("MaxDeltaEntries", $"must be from 1 to 1000000 (was {MaxDeltaEntries})");
            }

            if (!(FilterLagSeconds is >= 0 and <= 86400))
            {
                yield return ("FilterLagSeconds", $"must be from 0 to 86400 seconds (was {FilterLagSeconds})");
            }

            if (!(FilterRebuildSeconds is >= 0 and <= 3600))
            {
                yield return ("FilterRebuildSeconds", $"must be from 0 to 3600 seconds (was {FilterRebuildSeconds})");
            }
        }
    }
}
