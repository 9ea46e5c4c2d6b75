namespace Ledger.Revocation.Features.Watching;

/// <summary>
/// Wakes watchers as soon as this replica commits a revocation. Watchers also poll, so
/// revocations committed by other replicas reach them too, within the poll interval.
/// </summary>
public sealed class RevocationSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
