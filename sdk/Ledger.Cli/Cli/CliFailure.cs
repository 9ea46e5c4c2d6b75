namespace Ledger.Cli;

/// <summary>
/// A failure a command reports to the user: what went wrong and what to do, and the exit code.
/// Commands throw it; <see cref="CommandRunner"/> prints it.
/// </summary>
internal sealed class CliFailure : Exception
{
    public CliFailure(int exitCode, string message)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliFailure(int exitCode, string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }

    /// <summary>The machine-readable reason a service gave (its <c>google.rpc.ErrorInfo</c>), when it gave one.</summary>
    public string? Reason { get; init; }

    public static CliFailure Usage(string message) => new(ExitCodes.Usage, message);

    public static CliFailure Refused(string message) => new(ExitCodes.Refused, message);

    public static CliFailure Io(string message, Exception? inner = null) =>
        inner is null ? new(ExitCodes.ServerOrIo, message) : new(ExitCodes.ServerOrIo, message, inner);
}
