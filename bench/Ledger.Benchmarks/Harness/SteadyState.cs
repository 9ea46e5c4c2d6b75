using System.Diagnostics;
using Ledger.Benchmarks.Results;

namespace Ledger.Benchmarks.Harness;

/// <summary>
/// Time-based warm-up: short rounds until throughput stops moving (two consecutive rounds within
/// <see cref="Tolerance"/> of each other, after at least <see cref="MinRounds"/>), so the measured
/// rounds see processes that finished compiling their hot paths, not a fixed count of calls.
/// </summary>
public static class SteadyState
{
    public const double Tolerance = 0.10;
    public const int MinRounds = 3;

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
            var stable = rates.Count >= MinRounds && Math.Abs(rates[^1] - rates[^2]) <= Tolerance * Math.Max(rates[^1], rates[^2]);
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
