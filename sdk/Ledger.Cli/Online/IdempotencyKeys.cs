using System.CommandLine;
using Ledger.Crypto;

namespace Ledger.Cli.Online;

/// <summary>The idempotency key every mutating call carries: a retry with the same key returns the first result.</summary>
internal static class IdempotencyKeys
{
    public static Option<string> Option() =>
        new("--idempotency-key") { Description = "Makes the call safe to retry: the same key returns the first result. Default: a new UUIDv7, printed with the result, and with the error when the call may have been applied, so you can retry with it.", HelpName = "KEY" };

    /// <summary>The key given, or a new one; remembered by the run so an error whose outcome is unknown names it.</summary>
    public static string Resolve(CommandRun run, Option<string> option) =>
        run.IdempotencyKey = run.Get(option) is { Length: > 0 } given ? given : UuidV7.NewId().ToString();
}
