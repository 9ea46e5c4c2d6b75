namespace Ledger.Revocation.Features.Feeds;

/// <summary>How long feeds live and how often verifiers refresh (settings under Ledger:Revocation:Feed).</summary>
/// <param name="FilterLag">
/// How long Revocation may take to learn of a newly issued license. The filter covers only
/// licenses minted at least this long before it was built: a newer one may be missing from
/// its universe, where the cascade's answer is meaningless, so it is reported "not covered".
/// </param>
public sealed record FeedPolicy(TimeSpan Lifetime, TimeSpan Refresh, int MaxDeltaEntries, TimeSpan FilterLag)
{
    public static readonly FeedPolicy Default = new(TimeSpan.FromHours(24), TimeSpan.FromHours(1), 10_000, TimeSpan.FromMinutes(2));

    public static FeedPolicy From(IConfiguration configuration) => new(
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:LifetimeSeconds", Default.Lifetime.TotalSeconds)),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:RefreshSeconds", Default.Refresh.TotalSeconds)),
        configuration.GetValue("Ledger:Revocation:Feed:MaxDeltaEntries", Default.MaxDeltaEntries),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:FilterLagSeconds", Default.FilterLag.TotalSeconds)));
}
