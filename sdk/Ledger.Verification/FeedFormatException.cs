namespace Ledger.Verification;

/// <summary>
/// A feed payload, filter payload, cascade or stored feed state is not in the format docs/FEEDS.md
/// defines. The message names the member or byte offset and what was expected.
/// </summary>
public sealed class FeedFormatException : Exception
{
    public FeedFormatException()
    {
    }

    public FeedFormatException(string message)
        : base(message)
    {
    }

    public FeedFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
