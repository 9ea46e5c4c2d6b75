namespace Ledger.Crypto;

/// <summary>
/// A key, key set or token was refused. The message says what was wrong and what to do about it;
/// it never carries private key material.
/// </summary>
public sealed class JoseException : Exception
{
    public JoseException()
    {
    }

    public JoseException(string message)
        : base(message)
    {
    }

    public JoseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
