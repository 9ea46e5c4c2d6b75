using Ledger.Benchmarks.Results;

namespace Ledger.Benchmarks.Harness;

/// <summary>
/// The CPU split of a run as figures: milliseconds of CPU per operation for each part and in all, and
/// SQL statements per operation for each service's database and in all (when PostgreSQL counted them).
/// </summary>
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

        if (split.Statements is { } statements && operations > 0)
        {
            var byDatabase = statements.CallsByDatabase();
            foreach (var (database, calls) in byDatabase.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                yield return new Figure($"{prefix}_statements_per_{unit}_{database}", $"{what} SQL statements per {unit}: {database} database", (double)calls / operations, "statements");
            }

            var total = byDatabase.Values.Sum();
            yield return new Figure($"{prefix}_statements_per_{unit}_total", $"{what} SQL statements per {unit}: total", (double)total / operations, "statements",
                $"{total:N0} statements (pg_stat_statements) over {operations:N0} {unit}s");
        }
    }

    /// <summary>
    /// The statements run most often in the window, per operation, as notes: what a figure of statements
    /// per operation is made of. Empty when PostgreSQL did not count them.
    /// </summary>
    public static IEnumerable<string> TopStatements(string what, CpuSplit split, long operations, string unit, int count = 12)
    {
        ArgumentNullException.ThrowIfNull(split);
        if (split.Statements is not { } statements || operations <= 0)
        {
            yield break;
        }

        foreach (var (database, query, tally) in statements.Top(count))
        {
            var text = query.Length > 160 ? query[..157] + "..." : query;
            yield return $"{what}: {ResultsWriter.Format((double)tally.Calls / operations)} per {unit} in {database} " +
                $"({ResultsWriter.Format(tally.ExecutionMilliseconds / tally.Calls)} ms each): {text}";
        }
    }
}
