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

    public static FeedPolicy From(IConfiguration configuration) => new(
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:LifetimeSeconds", Default.Lifetime.TotalSeconds)),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:RefreshSeconds", Default.Refresh.TotalSeconds)),
        configuration.GetValue("Ledger:Revocation:Feed:MaxDeltaEntries", Default.MaxDeltaEntries),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:FilterLagSeconds", Default.FilterLag.TotalSeconds)),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:FilterRebuildSeconds", Default.FilterRebuild.TotalSeconds)));
}
