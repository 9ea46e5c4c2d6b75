namespace Ledger.Benchmarks;

/// <summary>The system under measurement gave a wrong answer, so its figures would mean nothing.</summary>
public sealed class BenchmarkInvalidException : Exception
{
    public BenchmarkInvalidException()
    {
    }

    public BenchmarkInvalidException(string message)
        : base(message)
    {
    }

    public BenchmarkInvalidException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
