using System.CommandLine;

namespace Ledger.Cli.Feeds;

/// <summary>
/// Where ledgerctl keeps what it learns between runs: accepted feed states (<c>feeds/</c>) and
/// the HTTP cache of fetched feeds (<c>http-cache/</c>). <c>--state-dir</c>, else
/// <c>$LEDGER_STATE_DIR</c>, else <c>$XDG_STATE_HOME/ledgerctl</c>, else <c>~/.local/state/ledgerctl</c>.
/// </summary>
internal static class StateDirectory
{
    public const string Variable = "LEDGER_STATE_DIR";

    public static Option<string> Option() =>
        new("--state-dir") { Description = $"Directory for accepted feed states and the feed cache. Default: ${Variable}, else $XDG_STATE_HOME/ledgerctl, else ~/.local/state/ledgerctl.", HelpName = "DIR" };

    public static string Resolve(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            return option;
        }

        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        if (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg)
        {
            return Path.Combine(xdg, "ledgerctl");
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "ledgerctl");
    }
}
