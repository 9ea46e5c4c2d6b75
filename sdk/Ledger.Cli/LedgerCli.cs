using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text.Json.Nodes;
using Ledger.Cli.Commands.Admin;
using Ledger.Cli.Commands.Attest;
using Ledger.Cli.Commands.Decrypt;
using Ledger.Cli.Commands.Encrypt;
using Ledger.Cli.Commands.Feed;
using Ledger.Cli.Commands.Health;
using Ledger.Cli.Commands.Keygen;
using Ledger.Cli.Commands.Keys;
using Ledger.Cli.Commands.License;
using Ledger.Cli.Commands.Revoke;
using Ledger.Cli.Commands.Sign;
using Ledger.Cli.Commands.VendorKey;
using Ledger.Cli.Commands.Verify;

namespace Ledger.Cli;

/// <summary>The ledgerctl command tree, and how a command line becomes an exit code.</summary>
internal static class LedgerCli
{
    /// <summary>The name of <see cref="OutputFormats.Option"/> on every command.</summary>
    private const string FormatOption = "--output-format";

    public static RootCommand Create()
    {
        var root = new RootCommand("ledgerctl: Ledger's command line. Offline: keys, license keys, revocations, encryption and attestations on disk. Online: the Notary, Issuance, Revocation and Attestation services. docs/CLI.md has walkthroughs.");
        root.Add(KeygenCommands.Create());
        root.Add(SignCommands.Create());
        root.Add(VerifyCommands.Create());
        root.Add(RevokeCommands.Create());
        root.Add(EncryptCommands.Create());
        root.Add(DecryptCommands.Create());
        root.Add(LicenseCommands.Create());
        root.Add(FeedCommands.Create());
        root.Add(KeysCommands.Create());
        root.Add(AttestCommands.Create());
        root.Add(VendorKeyCommands.Create());
        root.Add(HealthCommand.Create());
        root.Add(AdminCommands.Create());
        UseExamplesInHelp(root);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Create();
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // System.CommandLine ends parse errors with 1; ledgerctl keeps 1 for refused input.
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"ledgerctl: {error.Message}");
            }

            var command = string.Join(' ', parse.CommandResult.Command is RootCommand ? ["ledgerctl"] : CommandPath(parse.CommandResult.Command, root));
            await Console.Error.WriteLineAsync($"Run '{command} --help' for usage and examples.");
            if (AsksForJson(parse))
            {
                // As CommandRunner reports any other failure in JSON mode: the JSON form on stdout too.
                var error = new JsonObject { ["error"] = string.Join(' ', parse.Errors.Select(e => e.Message)), ["exit_code"] = ExitCodes.Usage };
                await Console.Out.WriteLineAsync(Json.Text(error));
            }

            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync();
    }

    /// <summary>
    /// Whether a command line that did not parse asked for <c>--output-format json</c>: the option of
    /// the command reached when it has one, else (a group or an unknown command) the tokens left over.
    /// </summary>
    private static bool AsksForJson(ParseResult parse)
    {
        if (parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == FormatOption) is { } option
            && parse.GetResult(option) is { Implicit: false } given)
        {
            return given.Tokens is [var value] && value.Value.Equals("json", StringComparison.OrdinalIgnoreCase);
        }

        var tokens = parse.UnmatchedTokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            var value = tokens[i] == FormatOption && i + 1 < tokens.Count ? tokens[i + 1]
                : tokens[i].StartsWith(FormatOption + "=", StringComparison.Ordinal) || tokens[i].StartsWith(FormatOption + ":", StringComparison.Ordinal) ? tokens[i][(FormatOption.Length + 1)..]
                : null;
            if (value is not null)
            {
                return value.Equals("json", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root)
    {
        var path = new Stack<string>();
        Find(root, command, path);
        return ["ledgerctl", .. path.Reverse()];
    }

    private static bool Find(Command current, Command target, Stack<string> path)
    {
        foreach (var child in current.Subcommands)
        {
            path.Push(child.Name);
            if (child == target || Find(child, target, path))
            {
                return true;
            }

            path.Pop();
        }

        return false;
    }

    private static void UseExamplesInHelp(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples(help.Action!);
    }

    /// <summary>The standard help page, then the command's examples.</summary>
    private sealed class HelpWithExamples(CommandLineAction standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var exitCode = standard is SynchronousCommandLineAction synchronous ? synchronous.Invoke(parseResult) : 0;
            if (parseResult.CommandResult.Command is CliCommand { Examples.Count: > 0 } command)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in command.Examples)
                {
                    output.WriteLine($"  {example}");
                }

                output.WriteLine();
            }

            return exitCode;
        }
    }
}
