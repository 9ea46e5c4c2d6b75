using Ledger.Benchmarks.Results;

namespace Ledger.Benchmarks;

/// <summary>
/// The command line: <c>[--scenario NAME]... [--results DIR] [--list]</c>. With no scenario, runs them all.
/// A missed target is reported, not an error: the exit code is non-zero only when a scenario could not
/// run or its results were wrong (a verifier that answers wrongly fast is not a benchmark).
/// </summary>
public static class BenchmarkRunner
{
    public static int Run(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var names = new List<string>();
        string? resultsDirectory = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--scenario" or "-s" when i + 1 < args.Length:
                    names.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--results" when i + 1 < args.Length:
                    resultsDirectory = args[++i];
                    break;
                case "--list":
                    foreach (var scenario in ScenarioCatalog.All)
                    {
                        output.WriteLine($"{scenario.Name,-12} {scenario.Description}");
                    }

                    return 0;
                default:
                    output.WriteLine($"Unknown argument '{args[i]}'. Usage: Ledger.Benchmarks [--scenario NAME[,NAME]] [--results DIR] [--list]");
                    return 2;
            }
        }

        var selected = new List<IScenario>();
        foreach (var name in names)
        {
            if (ScenarioCatalog.Find(name) is not { } scenario)
            {
                output.WriteLine($"There is no scenario '{name}'. Implemented: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}.");
                return 2;
            }

            selected.Add(scenario);
        }

        if (selected.Count == 0)
        {
            selected.AddRange(ScenarioCatalog.All);
        }

#if DEBUG
        output.WriteLine("warning: this is a Debug build; figures mean little. Run 'make bench' (Release).");
#endif
        var writer = new ResultsWriter(resultsDirectory ?? ResultsWriter.DefaultDirectory(), output);
        var failed = 0;
        foreach (var scenario in selected)
        {
            var log = new ScenarioLog(scenario.Name, output);
            log.Step(scenario.Description);
            try
            {
                var report = scenario.Run(log);
                writer.Write(report);
            }
            catch (BenchmarkInvalidException ex)
            {
                output.WriteLine($"{scenario.Name}: FAILED, no figures written: {ex.Message}");
                failed++;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A scenario that could not run (a service that did not start, a broker that went away)
                // must not stop the others.
                output.WriteLine($"{scenario.Name}: FAILED, could not run: {ex}");
                failed++;
            }
        }

        return failed == 0 ? 0 : 1;
    }
}
