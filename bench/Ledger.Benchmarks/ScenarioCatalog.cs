using Ledger.Benchmarks.Scenarios;

namespace Ledger.Benchmarks;

/// <summary>Every implemented scenario, in the order <c>make bench</c> runs them. Add new scenarios here.</summary>
public static class ScenarioCatalog
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new VerifyScenario(),
        new FeedSizeScenario(),
        IssueScenario.Single,
        IssueScenario.Batch,
        new RevokeLatencyScenario(),
        new RevokeThroughputScenario(),
        new ColdStartScenario(),
        new ReplayScenario(),
        new InclusionProofScenario(),
        SignatureLogCostScenario.Default,
        new ScaleOutScenario(),
    ];

    public static IScenario? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
