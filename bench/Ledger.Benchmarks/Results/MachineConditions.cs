using System.Runtime;
using System.Runtime.InteropServices;

namespace Ledger.Benchmarks.Results;

/// <summary>The machine and runtime a result came from: figures from different machines are not comparable, ratios roughly are.</summary>
public sealed record MachineConditions(
    int Cores,
    string Cpu,
    string Os,
    string Architecture,
    string Runtime,
    string Configuration,
    string GarbageCollector,
    string LoadAverage,
    DateTimeOffset Date)
{
    public static MachineConditions Current() => new(
        Environment.ProcessorCount,
        CpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString(),
        RuntimeInformation.FrameworkDescription,
#if DEBUG
        "Debug",
#else
        "Release",
#endif
        GCSettings.IsServerGC ? "server" : "workstation",
        LoadAverageNow(),
        DateTimeOffset.UtcNow);

    public override string ToString() => $"{Cores} cores, {Cpu}, {Os} {Architecture}, {Runtime}, {Configuration}, load average {LoadAverage}";

    /// <summary>The 1, 5 and 15 minute load averages when the results are written: other work on the machine skews rates.</summary>
    private static string LoadAverageNow()
    {
        const string LoadAverageFile = "/proc/loadavg";
        return File.Exists(LoadAverageFile)
            ? string.Join(' ', File.ReadAllText(LoadAverageFile).Split(' ').Take(3))
            : "unknown";
    }

    private static string CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!File.Exists(CpuInfo))
        {
            return "unknown CPU";
        }

        var line = File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
