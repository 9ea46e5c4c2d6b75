using System.Diagnostics;
using Ledger.Benchmarks.Results;

namespace Ledger.Benchmarks.Harness;

/// <summary>
/// Time-based warm-up: short rounds until throughput stops moving (the last <see cref="StableRounds"/>
/// rounds within <see cref="Tolerance"/> of the fastest of them), so the measured rounds see processes
/// that finished compiling their hot paths, not a fixed count of calls. Two rounds were not enough: a
/// slow climb passes between any two neighbours (<c>issue</c> on 2026-11-30 settled at 162, 222,
/// 237/s and measured 273, then 511-548/s).
/// </summary>
public static class SteadyState
{
    public const double Tolerance = 0.10;
    public const int StableRounds = 3;

    /// <summary>Runs <paramref name="round"/> (given its length, returning operations per second) until stable or <paramref name="max"/> has passed.</summary>
    public static async Task<WarmUp> ReachAsync(string side, Func<TimeSpan, Task<double>> round, TimeSpan roundLength, TimeSpan max, ScenarioLog log)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(log);
        var clock = Stopwatch.StartNew();
        var rates = new List<double>();
        while (true)
        {
            rates.Add(await round(roundLength));
            var last = rates.TakeLast(StableRounds).ToList();
            var stable = last.Count == StableRounds && last.Max() - last.Min() <= Tolerance * last.Max();
            if (stable || clock.Elapsed >= max)
            {
                var warmUp = new WarmUp(side, rates, clock.Elapsed, stable);
                log.Step(warmUp.ToString());
                return warmUp;
            }
        }
    }
}

/// <summary>How a side warmed up: the rates of its rounds, how long it took, and whether it settled.</summary>
public sealed record WarmUp(string Side, IReadOnlyList<double> Rates, TimeSpan Elapsed, bool Stable)
{
    public override string ToString() =>
        $"{Side} warmed up in {Elapsed.TotalSeconds:0.0} s, {Rates.Count} rounds ({string.Join(", ", Rates.Select(ResultsWriter.Format))}/s){(Stable ? ", stable" : ", NOT stable at the time limit")}";
}
