using System.CommandLine;

namespace Ledger.Cli;

/// <summary>
/// A ledgerctl command: a System.CommandLine command with examples for its help page and, for
/// leaf commands, an action run through <see cref="CommandRunner"/> so that every command prints
/// results, errors and exit codes the same way.
/// </summary>
internal sealed class CliCommand : Command
{
    public CliCommand(string name, string description, params string[] examples)
        : base(name, description)
    {
        Examples = examples;
    }

    public IReadOnlyList<string> Examples { get; }

    /// <summary>Adds the output-format option and the action.</summary>
    public void Handle(Func<CommandRun, Task<int>> action)
    {
        var format = OutputFormats.Option();
        Add(format);
        SetAction((parse, cancellation) => CommandRunner.RunAsync(parse, parse.GetValue(format), action, cancellation));
    }
}
