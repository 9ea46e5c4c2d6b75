using Ledger.Benchmarks.Results;

namespace Ledger.Benchmarks;

/// <summary>
/// One scenario of issue 10: it measures the system and, in the same run, the limit it is compared
/// with, and reports figures, ratios and targets. Scenarios print nothing themselves.
/// </summary>
public interface IScenario
{
    /// <summary>The name on the command line and of the results file (<c>bench/results/&lt;name&gt;.json</c>).</summary>
    string Name { get; }

    /// <summary>One sentence: what is measured and against which limit.</summary>
    string Description { get; }

    ScenarioReport Run(ScenarioLog log);
}
