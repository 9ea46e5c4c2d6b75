using System.Globalization;
using Ledger.Testing;
using Ledger.Testing.Processes;
using Npgsql;

namespace Ledger.Benchmarks.Harness;

/// <summary>
/// CPU time (user + system, from /proc/&lt;pid&gt;/stat) spent during a measured window by each part of
/// an end-to-end run: each service process, the PostgreSQL backends serving the run's databases,
/// PostgreSQL's own background processes, the RabbitMQ node the services use (the process listening on their AMQP port) and the load driver (this process), so
/// a rate says where its time went. The broker and PostgreSQL's background processes serve the whole
/// machine: on a shared machine their share includes other users' work. The same window counts the
/// statements the run's databases executed (<see cref="StatementMeter"/>), when the server can say.
/// </summary>
public sealed class CpuMeter
{
    private readonly IReadOnlyList<(string Part, Func<Task<IReadOnlyCollection<int>>> Pids)> _parts;
    private readonly StatementMeter _statements;
    private Dictionary<string, Dictionary<int, long>> _start = [];

    private CpuMeter(IReadOnlyList<(string Part, Func<Task<IReadOnlyCollection<int>>> Pids)> parts, StatementMeter statements)
    {
        _parts = parts;
        _statements = statements;
    }

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
        return new CpuMeter(parts, new StatementMeter(serverConnectionString, databaseFamily));
    }

    /// <summary>A meter over PostgreSQL (backends of <paramref name="databaseFamily"/>'s databases and background processes), RabbitMQ and this process.</summary>
    public static CpuMeter ForDatabase(string serverConnectionString, string databaseFamily) =>
        new([.. Common(serverConnectionString, databaseFamily)], new StatementMeter(serverConnectionString, databaseFamily));

    private static IEnumerable<(string, Func<Task<IReadOnlyCollection<int>>>)> Common(string serverConnectionString, string databaseFamily)
    {
        yield return ("postgres_backends", () => PostgresPidsAsync(serverConnectionString, databaseFamily));
        yield return ("postgres_background", () => Task.FromResult(PostgresBackground(new NpgsqlConnectionStringBuilder(serverConnectionString).Port)));
        yield return ("rabbitmq", () => Task.FromResult(ListeningOn(BrokerPort())));
        yield return ("load_driver", () => Task.FromResult<IReadOnlyCollection<int>>([Environment.ProcessId]));
    }

    public async Task StartAsync()
    {
        await _statements.StartAsync();
        _start = await SnapshotAsync();
    }

    /// <summary>
    /// CPU seconds per part since <see cref="StartAsync"/>. A process that started during the window counts
    /// whole; one that ended during it (a backend closed by the pool) is lost, so the figures are a floor.
    /// </summary>
    public async Task<CpuSplit> StopAsync(TimeSpan wall)
    {
        var end = await SnapshotAsync();
        var statements = await _statements.StopAsync();
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

        return new CpuSplit(seconds, wall, statements);
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

    private static readonly string[] BackgroundProcesses =
        ["checkpointer", "background writer", "walwriter", "autovacuum", "logical replication", "archiver", "stats collector", "walsender"];

    /// <summary>
    /// The postmaster listening on <paramref name="port"/> and its background children (checkpointer,
    /// WAL writer, autovacuum, ...), found by parent pid and title, since a role without
    /// pg_read_all_stats does not see them in pg_stat_activity; other clusters on the machine are left out.
    /// </summary>
    private static IReadOnlyCollection<int> PostgresBackground(int port)
    {
        var postmasters = ListeningOn(port).ToHashSet();
        var pids = new List<int>(postmasters);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || postmasters.Contains(pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (postmasters.Contains(parent)
                    && File.ReadAllText(Path.Combine(directory, "cmdline")) is var title
                    && BackgroundProcesses.Any(b => title.Contains(b, StringComparison.Ordinal)))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }

        return pids;
    }

    /// <summary>The AMQP port the services are given (LEDGER_TEST_RABBITMQ, as infra/env.sh sets it; 5672 otherwise).</summary>
    private static int BrokerPort() =>
        Environment.GetEnvironmentVariable("LEDGER_TEST_RABBITMQ") is { Length: > 0 } amqp && Uri.TryCreate(amqp, UriKind.Absolute, out var uri) && uri.Port > 0
            ? uri.Port
            : 5672;

    /// <summary>
    /// The processes holding a socket that listens on <paramref name="port"/> (from /proc/net/tcp and
    /// tcp6, then each process's fds): the broker node the services talk to, not other nodes on the machine.
    /// </summary>
    private static IReadOnlyCollection<int> ListeningOn(int port)
    {
        var inodes = new HashSet<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, inode is field 9.
                if (fields.Length > 9 && fields[3] == "0A"
                    && int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    inodes.Add($"socket:[{fields[9]}]");
                }
            }
        }

        var pids = new List<int>();
        if (inodes.Count == 0)
        {
            return pids;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                if (Directory.EnumerateFileSystemEntries(Path.Combine(directory, "fd"))
                    .Any(fd => new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return pids;
    }

    private static async Task<IReadOnlyCollection<int>> PostgresPidsAsync(string serverConnectionString, string family)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND (datname = @family OR datname LIKE @prefix)", connection);
        command.Parameters.AddWithValue("family", family);
        command.Parameters.AddWithValue("prefix", DatabaseFamily.LikePrefix(family));
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }

        return pids;
    }
}

/// <summary>CPU seconds per part of a run over a window of <see cref="Wall"/>, and the statements its databases ran (null: not measured).</summary>
public sealed record CpuSplit(IReadOnlyDictionary<string, double> Seconds, TimeSpan Wall, StatementWork? Statements = null)
{
    public double Total => Seconds.Values.Sum();

    /// <summary>Milliseconds of CPU per operation, per part and in all (key "total").</summary>
    public IReadOnlyDictionary<string, double> MillisecondsPer(long operations) =>
        Seconds.Append(new("total", Total)).ToDictionary(p => p.Key, p => operations > 0 ? p.Value * 1000 / operations : 0);

    /// <summary>Adds the seconds of another window.</summary>
    public CpuSplit Plus(CpuSplit other) => new(
        Seconds.Keys.Union(other.Seconds.Keys).ToDictionary(k => k, k => Seconds.GetValueOrDefault(k) + other.Seconds.GetValueOrDefault(k)),
        Wall + other.Wall,
        Statements is null ? other.Statements : Statements.Plus(other.Statements));

    public static CpuSplit Empty { get; } = new(new Dictionary<string, double>(), TimeSpan.Zero);
}
