using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Online;

namespace Ledger.Cli;

/// <summary>One invocation of a command: its parsed values, how to print, and the cancellation of Ctrl-C.</summary>
internal sealed class CommandRun(ParseResult parse, OutputFormat format, CancellationToken cancellation)
{
    public OutputFormat Format { get; } = format;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The service this command talks to, named in error messages (set when a client is made).</summary>
    public ServiceEndpoint? Endpoint { get; set; }

    /// <summary>
    /// The idempotency key this command's call carries (set by <see cref="Online.IdempotencyKeys.Resolve"/>):
    /// a failure whose outcome is unknown names it, so the call can be retried without doing it twice.
    /// </summary>
    public string? IdempotencyKey { get; set; }

    public TextWriter Out { get; } = Console.Out;

    public TextWriter Error { get; } = Console.Error;

    public T? Get<T>(Option<T> option) => parse.GetValue(option);

    public T? Get<T>(Argument<T> argument) => parse.GetValue(argument);

    /// <summary>True when the user gave the option (not only its default).</summary>
    public bool Given(Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>Prints the result (JSON or text) and returns the exit code to end with.</summary>
    public int Print(JsonObject json, string text, int exitCode = ExitCodes.Success)
    {
        if (Format == OutputFormat.Json)
        {
            Out.WriteLine(Json.Text(json));
        }
        else
        {
            Out.Write(text.EndsWith('\n') ? text : text + "\n");
        }

        return exitCode;
    }

    /// <summary>Progress for people, on standard error so standard output stays the result.</summary>
    public void Progress(string line) => Error.WriteLine(line);
}
