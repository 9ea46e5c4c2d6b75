using System.Globalization;
using Ledger.Testing.Processes;
using Npgsql;

namespace Ledger.Benchmarks.Harness;

/// <summary>
/// CPU time (user + system, from /proc/&lt;pid&gt;/stat) spent during a measured window by each part of
/// an end-to-end run: each service process, the PostgreSQL backends serving the run's databases,
/// PostgreSQL's own background processes, the RabbitMQ node and the load driver (this process), so
/// a rate says where its time went. The broker and PostgreSQL's background processes serve the whole
/// machine: on a shared machine their share includes other users' work.
/// </summary>
public sealed class CpuMeter
{
    private readonly IReadOnlyList<(string Part, Func<Task<IReadOnlyCollection<int>>> Pids)> _parts;
    private Dictionary<string, Dictionary<int, long>> _start = [];

    private CpuMeter(IReadOnlyList<(string Part, Func<Task<IReadOnlyCollection<int>>> Pids)> parts) => _parts = parts;

    /// <summary>Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux (the kernel's ABI, whatever its internal HZ).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Whether this machine has /proc (Linux): without it the split is not measured.</summary>
    public static bool Available => File.Exists("/proc/self/stat");

    /// <summary>A meter over the running ledger's services, its databases' backends (names starting with <paramref name="databaseFamily"/>), PostgreSQL and RabbitMQ.</summary>
    public static CpuMeter ForLedger(LedgerProcesses processes, string serverConnectionString, string databaseFamily)
    {
        var parts = new List<(string, Func<Task<IReadOnlyCollection<int>>>)>();
        foreach (var service in new[] { processes.Notary, processes.Issuance, processes.Revocation, processes.Attestation })
        {
            parts.Add((service.Name, () => Task.FromResult<IReadOnlyCollection<int>>(service.ProcessId is { } pid ? [pid] : [])));
        }

        parts.AddRange(Common(serverConnectionString, databaseFamily));
        return new CpuMeter(parts);
    }

    /// <summary>A meter over PostgreSQL (backends of <paramref name="databaseFamily"/>'s databases and background processes), RabbitMQ and this process.</summary>
    public static CpuMeter ForDatabase(string serverConnectionString, string databaseFamily) => new([.. Common(serverConnectionString, databaseFamily)]);

    private static IEnumerable<(string, Func<Task<IReadOnlyCollection<int>>>)> Common(string serverConnectionString, string databaseFamily)
    {
        yield return ("postgres_backends", () => PostgresPidsAsync(serverConnectionString,
            "backend_type = 'client backend' AND (datname = @family OR datname LIKE @prefix)", databaseFamily));
        yield return ("postgres_background", () => PostgresPidsAsync(serverConnectionString, "backend_type <> 'client backend'", databaseFamily));
        yield return ("rabbitmq", () => Task.FromResult(ProcessesNamed("beam.smp")));
        yield return ("load_driver", () => Task.FromResult<IReadOnlyCollection<int>>([Environment.ProcessId]));
    }

    public async Task StartAsync()
    {
        _start = await SnapshotAsync();
    }

    /// <summary>
    /// CPU seconds per part since <see cref="StartAsync"/>. A process that started during the window counts
    /// whole; one that ended during it (a backend closed by the pool) is lost, so the figures are a floor.
    /// </summary>
    public async Task<CpuSplit> StopAsync(TimeSpan wall)
    {
        var end = await SnapshotAsync();
        var seconds = new Dictionary<string, double>();
        foreach (var (part, pids) in end)
        {
            var started = _start.GetValueOrDefault(part) ?? [];
            long ticks = 0;
            foreach (var (pid, now) in pids)
            {
                ticks += now - started.GetValueOrDefault(pid, 0);
            }

            seconds[part] = ticks / TicksPerSecond;
        }

        return new CpuSplit(seconds, wall);
    }

    private async Task<Dictionary<string, Dictionary<int, long>>> SnapshotAsync()
    {
        var snapshot = new Dictionary<string, Dictionary<int, long>>();
        foreach (var (part, pids) in _parts)
        {
            var ticks = new Dictionary<int, long>();
            foreach (var pid in await pids())
            {
                if (Ticks(pid) is { } t)
                {
                    ticks[pid] = t;
                }
            }

            snapshot[part] = ticks;
        }

        return snapshot;
    }

    /// <summary>utime + stime of a process (fields 14 and 15 of /proc/&lt;pid&gt;/stat), or null when it is gone or unreadable.</summary>
    private static long? Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ", field 3 (state) is index 0: utime (14) is index 11, stime (15) index 12.
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IReadOnlyCollection<int> ProcessesNamed(string command)
    {
        var pids = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(directory, "comm")).Trim() == command)
                    {
                        pids.Add(pid);
                    }
                }
                catch (IOException)
                {
                    // Gone meanwhile.
                }
            }
        }

        return pids;
    }

    private static async Task<IReadOnlyCollection<int>> PostgresPidsAsync(string serverConnectionString, string condition, string family)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT pid FROM pg_stat_activity WHERE {condition}", connection);
        command.Parameters.AddWithValue("family", family);
        command.Parameters.AddWithValue("prefix", family.Replace("_", "\\_", StringComparison.Ordinal) + "\\_%");
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }

        return pids;
    }
}

/// <summary>CPU seconds per part of a run over a window of <see cref="Wall"/>.</summary>
public sealed record CpuSplit(IReadOnlyDictionary<string, double> Seconds, TimeSpan Wall)
{
    public double Total => Seconds.Values.Sum();

    /// <summary>Milliseconds of CPU per operation, per part and in all (key "total").</summary>
    public IReadOnlyDictionary<string, double> MillisecondsPer(long operations) =>
        Seconds.Append(new("total", Total)).ToDictionary(p => p.Key, p => operations > 0 ? p.Value * 1000 / operations : 0);

    /// <summary>Adds the seconds of another window.</summary>
    public CpuSplit Plus(CpuSplit other) => new(
        Seconds.Keys.Union(other.Seconds.Keys).ToDictionary(k => k, k => Seconds.GetValueOrDefault(k) + other.Seconds.GetValueOrDefault(k)),
        Wall + other.Wall);

    public static CpuSplit Empty { get; } = new(new Dictionary<string, double>(), TimeSpan.Zero);
}
