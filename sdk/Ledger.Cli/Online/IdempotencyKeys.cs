using System.CommandLine;
using Ledger.Crypto;

namespace Ledger.Cli.Online;

/// <summary>The idempotency key every mutating call carries: a retry with the same key returns the first result.</summary>
internal static class IdempotencyKeys
{
    public static Option<string> Option() =>
        new("--idempotency-key") { Description = "Makes the call safe to retry: the same key returns the first result. Default: a new UUIDv7 (printed, so you can retry with it).", HelpName = "KEY" };

    public static string Resolve(CommandRun run, Option<string> option) =>
        run.Get(option) is { Length: > 0 } given ? given : UuidV7.NewId().ToString();
}
