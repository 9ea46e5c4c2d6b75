namespace Ledger.Testing;

/// <summary>Waits, bounded, for something asynchronous (a projection, a published message) to become true.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout ?? TimeSpan.FromSeconds(30)} waiting for {what ?? "a condition"}.");
            }

            await Task.Delay(50);
        }
    }

    public static Task True(Func<Task<bool>> probe, TimeSpan? timeout = null, string? what = null) =>
        Get<object>(async () => await probe() ? new object() : null, timeout, what);
}
