using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Core;
using Ledger.Cli.Online;

namespace Ledger.Cli;

/// <summary>
/// Runs a command's action and turns whatever it throws into one message (what went wrong and what
/// to do) and one exit code, printed the same way by every command.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(ParseResult parse, OutputFormat format, Func<CommandRun, Task<int>> action, CancellationToken cancellation)
    {
        var run = new CommandRun(parse, format, cancellation);
        try
        {
            return await action(run);
        }
        catch (CliFailure failure)
        {
            return Report(run, failure);
        }
        catch (RpcException rpc) when (rpc.StatusCode == StatusCode.Cancelled && cancellation.IsCancellationRequested)
        {
            return Report(run, new CliFailure(ExitCodes.Cancelled, "Cancelled."), outcomeUnknown: true);
        }
        catch (RpcException rpc)
        {
            return Report(run, RpcFailures.Describe(rpc, run.Endpoint), outcomeUnknown: !RpcFailures.ChangedNothing(rpc.StatusCode));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return Report(run, new CliFailure(ExitCodes.Cancelled, "Cancelled."), outcomeUnknown: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Report(run, CliFailure.Io($"{e.Message} Check the path and its permissions.", e));
        }
        catch (HttpRequestException e)
        {
            return Report(run, CliFailure.Io($"HTTP request failed: {e.Message} Check the URL and that the server is running.", e));
        }
    }

    /// <summary>
    /// Prints the failure. When the call may have been applied (<paramref name="outcomeUnknown"/>: no answer,
    /// an unavailable service, Ctrl-C) and it carried an idempotency key, the message names the key to retry with.
    /// </summary>
    private static int Report(CommandRun run, CliFailure failure, bool outcomeUnknown = false)
    {
        var retryKey = outcomeUnknown ? run.IdempotencyKey : null;
        var message = retryKey is null
            ? failure.Message
            : $"{failure.Message}\nThe call may have been applied. Retry it with --idempotency-key {retryKey}: that never applies it twice, and returns the first result if it was.";
        run.Error.WriteLine($"ledgerctl: {message}");
        if (run.Format == OutputFormat.Json)
        {
            var error = new JsonObject { ["error"] = failure.Message, ["exit_code"] = failure.ExitCode };
            if (failure.Reason is not null)
            {
                error["reason"] = failure.Reason;
            }

            if (retryKey is not null)
            {
                error["idempotency_key"] = retryKey;
            }

            run.Out.WriteLine(Json.Text(error));
        }

        return failure.ExitCode;
    }
}
