using System.Diagnostics;

namespace Ledger.Testing.Load;

/// <summary>
/// Drives operations against a running ledger at a fixed concurrency (closed loop: each worker
/// starts its next operation when the previous one ends) and records every operation's outcome
/// and latency. The benchmarks measure with it; the reliability tests use the records to check
/// that every acknowledged write survived a fault.
/// </summary>
public static class LoadDriver
{
    /// <summary>
    /// Runs <paramref name="operation"/> (given its index, 0-based, and a token cancelled at the
    /// operation timeout) as <paramref name="plan"/> says, or until <paramref name="stop"/> is
    /// cancelled: then no operation starts and the ones under way finish. Exceptions are recorded
    /// as failures, never thrown.
    /// </summary>
    public static async Task<LoadRun<T>> RunAsync<T>(
        LoadPlan plan, Func<int, CancellationToken, Task<T>> operation, CancellationToken stop = default)
    {
        plan.Validate();
        var records = new List<OperationRecord<T>>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;

        async Task Worker()
        {
            await Task.Yield();
            while (!stop.IsCancellationRequested && (plan.Duration is not { } duration || clock.Elapsed < duration))
            {
                var index = Interlocked.Increment(ref next);
                if (plan.Operations is { } total && index >= total)
                {
                    return;
                }

                var record = await RunOneAsync(index, plan.OperationTimeout, operation, clock);
                lock (records)
                {
                    records.Add(record);
                }

                var pause = Max(record.Succeeded ? TimeSpan.Zero : plan.PauseAfterFailure, plan.Interval - record.Latency);
                if (pause > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(pause, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, plan.Concurrency).Select(_ => Worker()));
        clock.Stop();
        return new LoadRun<T>(plan, started, clock.Elapsed, [.. records.OrderBy(r => r.Index)]);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static async Task<OperationRecord<T>> RunOneAsync<T>(
        int index, TimeSpan timeout, Func<int, CancellationToken, Task<T>> operation, Stopwatch clock)
    {
        using var bounded = new CancellationTokenSource(timeout);
        var startedAt = clock.Elapsed;
        try
        {
            var result = await operation(index, bounded.Token);
            return new OperationRecord<T>(index, startedAt, clock.Elapsed - startedAt, result, null);
        }
        catch (Exception e)
        {
            return new OperationRecord<T>(index, startedAt, clock.Elapsed - startedAt, default, e);
        }
    }
}
