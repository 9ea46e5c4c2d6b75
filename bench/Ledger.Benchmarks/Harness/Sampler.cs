using System.Diagnostics;

namespace Ledger.Benchmarks.Harness;

/// <summary>
/// A Stopwatch harness for end-to-end figures: a warm-up pass (JIT tiers, caches), then repeated
/// rounds. Several measured bodies are run interleaved round by round, so drift on a noisy machine
/// (frequency scaling, a neighbour's load) hits the system and its limit alike, and their ratio holds.
/// </summary>
public static class Sampler
{
    /// <summary>Runs every body once per round, in turn, after <paramref name="warmups"/> unmeasured rounds.</summary>
    public static IReadOnlyList<Samples> Interleaved(int warmups, int rounds, params Action[] bodies)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        return Interleaved(warmups, rounds, [.. bodies.Select(body => (Action<int>)(_ => body()))]);
    }

    /// <summary>
    /// As above, each body given the round number (warm-up rounds count from 0 too), so a round can take
    /// one slice of the work: many short rounds pair the system and its limit closely in time.
    /// </summary>
    public static IReadOnlyList<Samples> Interleaved(int warmups, int rounds, params Action<int>[] bodies)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        for (var i = 0; i < warmups; i++)
        {
            foreach (var body in bodies)
            {
                body(i);
            }
        }

        var seconds = bodies.Select(_ => new List<double>(rounds)).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var b = 0; b < bodies.Length; b++)
            {
                // Collect before, not during: a gen-2 pause left over from setup is not the body's cost.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var watch = Stopwatch.StartNew();
                bodies[b](round);
                watch.Stop();
                seconds[b].Add(watch.Elapsed.TotalSeconds);
            }
        }

        return [.. seconds.Select(s => new Samples(s))];
    }

    public static Samples Measure(int warmups, int rounds, Action body) => Interleaved(warmups, rounds, body)[0];
}

/// <summary>Seconds per round; figures use the median, which one slow round does not move.</summary>
public sealed class Samples(IReadOnlyList<double> seconds)
{
    public IReadOnlyList<double> Seconds { get; } = seconds;

    public double Median
    {
        get
        {
            var sorted = Seconds.Order().ToArray();
            var middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    public double Min => Seconds.Min();

    /// <summary>
    /// The median over rounds of <paramref name="numerator"/>'s time over <paramref name="denominator"/>'s in
    /// the same round: each pair ran back to back, so a slow stretch of the machine cancels out.
    /// </summary>
    public static double PairedRatio(Samples numerator, Samples denominator)
    {
        ArgumentNullException.ThrowIfNull(numerator);
        ArgumentNullException.ThrowIfNull(denominator);
        return new Samples([.. numerator.Seconds.Zip(denominator.Seconds, (n, d) => n / d)]).Median;
    }

    public double Max => Seconds.Max();

    /// <summary>Operations per second at the median round.</summary>
    public double Rate(int operationsPerRound) => operationsPerRound / Median;

    /// <summary>Nanoseconds per operation at the median round.</summary>
    public double NanosecondsEach(int operationsPerRound) => Median * 1e9 / operationsPerRound;

    public string Spread(int operationsPerRound) =>
        $"median of {Seconds.Count} rounds; range {ResultsFormat(operationsPerRound / Max)}-{ResultsFormat(operationsPerRound / Min)}/s";

    private static string ResultsFormat(double value) => Results.ResultsWriter.Format(value);
}
