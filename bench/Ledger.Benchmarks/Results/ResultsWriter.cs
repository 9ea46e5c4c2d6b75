using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Benchmarks.Results;

/// <summary>
/// Writes <c>&lt;directory&gt;/&lt;scenario&gt;.json</c> (figures, ratios, targets, conditions) and prints one
/// summary line per figure and per target, so a run's log and its file say the same thing.
/// </summary>
public sealed class ResultsWriter(string directory, TextWriter output)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>bench/results of the checkout this runs in (found by walking up to Ledger.sln), else ./results.</summary>
    public static string DefaultDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln")))
            {
                return Path.Combine(dir.FullName, "bench", "results");
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "results");
    }

    public string Write(ScenarioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var conditions = MachineConditions.Current();
        var document = new
        {
            report.Scenario,
            report.Description,
            Conditions = conditions,
            report.Parameters,
            report.Figures,
            Targets = report.Targets.Select(t => new { t.Key, t.Rule, t.Value, t.Threshold, t.Met, Limitation = t.Met ? null : t.Limitation }),
            AllTargetsMet = report.Targets.All(t => t.Met),
            report.Notes,
        };

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, report.Scenario + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json) + "\n");

        var width = report.Figures.Select(f => f.Label.Length).Append(0).Max();
        output.WriteLine($"{report.Scenario}: results on {conditions}");
        foreach (var figure in report.Figures)
        {
            var note = figure.Note is null ? string.Empty : $"  ({figure.Note})";
            output.WriteLine($"{report.Scenario} | {figure.Label.PadRight(width)} | {Format(figure.Value)} {figure.Unit}{note}");
        }

        foreach (var target in report.Targets)
        {
            var verdict = target.Met ? "MET" : "MISSED";
            var limitation = target.Met || target.Limitation is null ? string.Empty : $" Limited by: {target.Limitation}";
            output.WriteLine($"{report.Scenario} | target {target.Rule}: {verdict} ({Format(target.Value)}).{limitation}");
        }

        foreach (var note in report.Notes)
        {
            output.WriteLine($"{report.Scenario} | note: {note}");
        }

        output.WriteLine($"{report.Scenario}: wrote {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
        return path;
    }

    public static string Format(double value) =>
        Math.Abs(value) switch
        {
            0 => "0",
            >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
            >= 10 => value.ToString("0.#", CultureInfo.InvariantCulture),
            >= 1 => value.ToString("0.###", CultureInfo.InvariantCulture),
            _ => value.ToString("0.####", CultureInfo.InvariantCulture),
        };
}
