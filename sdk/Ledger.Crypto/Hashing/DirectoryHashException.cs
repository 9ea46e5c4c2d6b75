namespace Ledger.Crypto;

/// <summary>A directory cannot be hashed; <see cref="Path"/> names the entry that stopped it.</summary>
public sealed class DirectoryHashException : Exception
{
    public DirectoryHashException()
    {
    }

    public DirectoryHashException(string message)
        : base(message)
    {
    }

    public DirectoryHashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DirectoryHashException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    public string? Path { get; }
}
