using Ledger.Benchmarks.Results;

namespace Ledger.Benchmarks.Harness;

/// <summary>The CPU split of a run as figures: milliseconds of CPU per operation for each part and in all.</summary>
public static class CpuFigures
{
    public static IEnumerable<Figure> Of(string prefix, string what, CpuSplit split, long operations, string unit)
    {
        ArgumentNullException.ThrowIfNull(split);
        foreach (var (part, ms) in split.MillisecondsPer(operations).OrderBy(p => p.Key == "total" ? 1 : 0).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            yield return new Figure($"{prefix}_cpu_ms_per_{unit}_{part}", $"{what} CPU per {unit}: {part.Replace('_', ' ')}", ms, "ms",
                part == "total" ? $"{split.Total:0.0} CPU s over {split.Wall.TotalSeconds:0.0} s of wall time, {operations:N0} {unit}s" : null);
        }
    }
}
