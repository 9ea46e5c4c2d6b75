using System.CommandLine;

namespace Ledger.Cli;

/// <summary>How a command prints its result: sentences for people, or one JSON document for scripts.</summary>
internal enum OutputFormat
{
    Text,
    Json,
}

internal static class OutputFormats
{
    /// <summary>
    /// The format option, <c>--output-format</c> on every command and under no other name: across
    /// ledgerctl <c>--output</c> (<c>-o</c>) is always a file and <c>--output-dir</c> (<c>-o</c> where a
    /// command writes a directory) always a directory, as in the Flux distro commands.
    /// </summary>
    public static Option<OutputFormat> Option()
    {
        var option = new Option<OutputFormat>("--output-format")
        {
            Description = "Print 'text' (default) or 'json' for scripts.",
            HelpName = "text|json",
            DefaultValueFactory = _ => OutputFormat.Text,
            CustomParser = result =>
            {
                var value = result.Tokens.Count == 0 ? "text" : result.Tokens[0].Value;
                switch (value.ToLowerInvariant())
                {
                    case "text":
                        return OutputFormat.Text;
                    case "json":
                        return OutputFormat.Json;
                    default:
                        result.AddError($"Output format '{value}' is unknown; use 'text' or 'json'.");
                        return OutputFormat.Text;
                }
            },
        };
        option.CompletionSources.Add("text", "json");
        return option;
    }
}
