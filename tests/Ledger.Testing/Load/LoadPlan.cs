namespace Ledger.Testing.Load;

/// <summary>
/// How much load to drive: <see cref="Concurrency"/> workers each running one operation at a
/// time, until <see cref="Operations"/> have started or <see cref="Duration"/> has passed
/// (whichever comes first; at least one of them must be set).
/// </summary>
public sealed record LoadPlan(int Concurrency, int? Operations = null, TimeSpan? Duration = null)
{
    /// <summary>A worker whose operation failed waits this long before its next one (an outage must not turn into a busy loop).</summary>
    public TimeSpan PauseAfterFailure { get; init; } = TimeSpan.Zero;

    /// <summary>Each worker starts an operation at most this often (zero: as fast as it can, a closed loop).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.Zero;

    /// <summary>Each operation is cancelled after this long (its token is cancelled; it counts as failed).</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (Concurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, "At least one worker.");
        }

        if (Operations is null && Duration is null)
        {
            throw new ArgumentException("A load plan needs a number of operations, a duration, or both; otherwise it never ends.");
        }
    }
}
