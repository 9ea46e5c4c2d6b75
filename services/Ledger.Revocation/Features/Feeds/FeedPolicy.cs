namespace Ledger.Revocation.Features.Feeds;

/// <summary>How long feeds live and how often verifiers refresh (settings under Ledger:Revocation:Feed).</summary>
/// <param name="FilterLag">
/// The longest time from Issuance minting a license id to that license's event taking its place
/// in Issuance's sequence (Issuance refuses an issue that took over 60 s, plus the commit and the
/// clock difference between Issuance replicas). The filter covers ids minted up to the license
/// horizon's time minus this: a later one may not be known yet, so it is reported "not covered".
/// </param>
/// <param name="FilterRebuild">How often at most the filter is rebuilt only because new licenses were learned.</param>
public sealed record FeedPolicy(TimeSpan Lifetime, TimeSpan Refresh, int MaxDeltaEntries, TimeSpan FilterLag, TimeSpan FilterRebuild)
{
    public static readonly FeedPolicy Default = new(
        TimeSpan.FromHours(24), TimeSpan.FromHours(1), 10_000, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(30));

    public static FeedPolicy From(IConfiguration configuration)
    {
        var policy = Read(configuration);
        // One limit, shared with every verifier (FeedOptions): a feed they would refuse is never signed.
        if (policy.Lifetime <= TimeSpan.Zero || policy.Lifetime > Verification.FeedOptions.DefaultMaxFeedLifetime)
        {
            throw new InvalidOperationException(
                $"Ledger:Revocation:Feed:LifetimeSeconds is {policy.Lifetime.TotalSeconds:F0}; a feed may live at most {Verification.FeedOptions.DefaultMaxFeedLifetime.TotalSeconds:F0} s (7 days), or verifiers refuse it.");
        }

        if (policy.Refresh <= TimeSpan.Zero || policy.Refresh >= policy.Lifetime)
        {
            throw new InvalidOperationException(
                $"Ledger:Revocation:Feed:RefreshSeconds is {policy.Refresh.TotalSeconds:F0}; it must be at least 1 and less than the feed lifetime ({policy.Lifetime.TotalSeconds:F0} s).");
        }

        return policy;
    }

    private static FeedPolicy Read(IConfiguration configuration) => new(
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:LifetimeSeconds", Default.Lifetime.TotalSeconds)),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:RefreshSeconds", Default.Refresh.TotalSeconds)),
        configuration.GetValue("Ledger:Revocation:Feed:MaxDeltaEntries", Default.MaxDeltaEntries),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:FilterLagSeconds", Default.FilterLag.TotalSeconds)),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:FilterRebuildSeconds", Default.FilterRebuild.TotalSeconds)));
}
