using System.Globalization;
using Grpc.Core;

namespace Ledger.Testing.Load;

/// <summary>One operation the driver ran: when it started (since the run began), how long it took, and its result or failure.</summary>
public sealed record OperationRecord<T>(int Index, TimeSpan StartedAt, TimeSpan Latency, T? Result, Exception? Failure)
{
    public bool Succeeded => Failure is null;

    /// <summary>The gRPC status of a failed call, or the exception's type name for anything else.</summary>
    public string FailureKind => Failure switch
    {
        null => "",
        RpcException rpc => rpc.StatusCode.ToString(),
        _ => Failure.GetType().Name,
    };
}

/// <summary>What a load run did: every operation, in index order, with counts, throughput and latency percentiles.</summary>
public sealed class LoadRun<T>(LoadPlan plan, DateTimeOffset startedAt, TimeSpan elapsed, IReadOnlyList<OperationRecord<T>> operations)
{
    public LoadPlan Plan { get; } = plan;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public TimeSpan Elapsed { get; } = elapsed;

    public IReadOnlyList<OperationRecord<T>> Operations { get; } = operations;

    public IReadOnlyList<OperationRecord<T>> Succeeded => [.. Operations.Where(o => o.Succeeded)];

    public IReadOnlyList<OperationRecord<T>> Failed => [.. Operations.Where(o => !o.Succeeded)];

    /// <summary>Successful operations per second of wall time.</summary>
    public double Throughput => Elapsed > TimeSpan.Zero ? Succeeded.Count / Elapsed.TotalSeconds : 0;

    /// <summary>Failures counted by kind (gRPC status or exception type).</summary>
    public IReadOnlyDictionary<string, int> FailuresByKind =>
        Failed.GroupBy(o => o.FailureKind).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>The latency below which <paramref name="percentile"/> percent of successful operations finished (nearest rank).</summary>
    public TimeSpan Latency(double percentile) => Percentile([.. Succeeded.Select(o => o.Latency)], percentile);

    /// <summary>Nearest-rank percentile of <paramref name="samples"/> (zero when there are none).</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> samples, double percentile)
    {
        if (samples.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>One line: operations, successes, failures by kind, throughput, p50/p99.</summary>
    public string Summary(string what)
    {
        var failures = Failed.Count == 0 ? "" : " (" + string.Join(", ", FailuresByKind.Select(f => $"{f.Key} {f.Value}")) + ")";
        return string.Create(CultureInfo.InvariantCulture,
            $"{what}: {Operations.Count} ran, {Succeeded.Count} succeeded, {Failed.Count} failed{failures}; " +
            $"{Throughput:F1}/s over {Elapsed.TotalSeconds:F1} s at concurrency {Plan.Concurrency}; " +
            $"p50 {Latency(50).TotalMilliseconds:F1} ms, p99 {Latency(99).TotalMilliseconds:F1} ms");
    }
}
