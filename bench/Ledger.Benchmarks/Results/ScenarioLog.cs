using System.Diagnostics;

namespace Ledger.Benchmarks.Results;

/// <summary>Progress lines while a scenario prepares and measures, with the time since it started.</summary>
public sealed class ScenarioLog(string scenario, TextWriter output)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public void Step(string message) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {scenario}: {message}");
}
