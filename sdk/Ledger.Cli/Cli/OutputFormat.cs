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
    /// The format option. Commands that write a file take <c>--output FILE</c> (as the Flux distro
    /// commands do), so there the format is only <c>--output-format</c>; everywhere else
    /// <c>--output json</c> and <c>-o json</c> work too.
    /// </summary>
    public static Option<OutputFormat> Option(bool outputNamesAFile)
    {
        string[] aliases = outputNamesAFile ? [] : ["--output", "-o"];
        var option = new Option<OutputFormat>("--output-format", aliases)
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
