namespace Ledger.Cli;

/// <summary>The process exit codes; docs/CLI.md lists them with examples.</summary>
internal static class ExitCodes
{
    /// <summary>Done, or the thing checked is valid.</summary>
    public const int Success = 0;

    /// <summary>The input was checked and refused: a verdict other than valid, a token that does not decrypt, an unsafe archive.</summary>
    public const int Refused = 1;

    /// <summary>The command cannot run as given: bad or missing arguments or keys, an output that already exists.</summary>
    public const int Usage = 2;

    /// <summary>A server or I/O error: unreachable or failing service, unreadable or unwritable file.</summary>
    public const int ServerOrIo = 3;

    /// <summary>Interrupted (Ctrl-C), as shells report SIGINT.</summary>
    public const int Cancelled = 130;
}
