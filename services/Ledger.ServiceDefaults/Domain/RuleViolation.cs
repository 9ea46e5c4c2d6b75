using Ledger.ServiceDefaults.Grpc;

namespace Ledger.ServiceDefaults.Domain;

/// <summary>
/// A request that is well-formed but not allowed in the current state (rotate while a
/// rotation is in progress, retire a key still in use). Becomes FailedPrecondition with a
/// google.rpc.ErrorInfo carrying <see cref="Reason"/>, for clients that branch on it.
/// </summary>
/// <param name="reason">An UPPER_SNAKE_CASE constant from <see cref="ErrorReasons"/>, listed in docs/API.md.</param>
public sealed class RuleViolation(string message, string reason = ErrorReasons.RuleViolated) : Exception(message)
{
    public string Reason { get; } = reason;
}

/// <summary>The record a request names does not exist. Becomes NotFound with an ErrorInfo carrying <see cref="Reason"/>.</summary>
/// <param name="reason">An UPPER_SNAKE_CASE constant from <see cref="ErrorReasons"/>, listed in docs/API.md.</param>
public sealed class RecordNotFound(string message, string reason = ErrorReasons.RecordNotFound) : Exception(message)
{
    public string Reason { get; } = reason;
}
