using Ledger.Testing.Load;

namespace Ledger.Reliability.Tests.Support;

public static class LoadRunExtensions
{
    /// <summary>The operations that started between two wall-clock times (a fault's window).</summary>
    public static IReadOnlyList<OperationRecord<T>> StartedBetween<T>(this LoadRun<T> run, DateTimeOffset from, DateTimeOffset to) =>
        [.. run.Operations.Where(o => run.StartedAt + o.StartedAt >= from && run.StartedAt + o.StartedAt < to)];
}
