namespace Ledger.Revocation.Features.Feeds;

/// <summary>How long feeds live and how often verifiers refresh (settings under Ledger:Revocation:Feed).</summary>
public sealed record FeedPolicy(TimeSpan Lifetime, TimeSpan Refresh, int MaxDeltaEntries)
{
    public static readonly FeedPolicy Default = new(TimeSpan.FromHours(24), TimeSpan.FromHours(1), 10_000);

    public static FeedPolicy From(IConfiguration configuration) => new(
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:LifetimeSeconds", Default.Lifetime.TotalSeconds)),
        TimeSpan.FromSeconds(configuration.GetValue("Ledger:Revocation:Feed:RefreshSeconds", Default.Refresh.TotalSeconds)),
        configuration.GetValue("Ledger:Revocation:Feed:MaxDeltaEntries", Default.MaxDeltaEntries));
}
