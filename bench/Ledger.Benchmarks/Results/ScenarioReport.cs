namespace Ledger.Benchmarks.Results;

/// <summary>What a scenario hands back: its parameters, figures (ratios included), targets and notes.</summary>
public sealed record ScenarioReport(
    string Scenario,
    string Description,
    IReadOnlyDictionary<string, object> Parameters,
    IReadOnlyList<Figure> Figures,
    IReadOnlyList<Target> Targets,
    IReadOnlyList<string> Notes);
