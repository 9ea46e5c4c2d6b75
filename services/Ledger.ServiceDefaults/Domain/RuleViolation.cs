namespace Ledger.ServiceDefaults.Domain;

/// <summary>
/// A request that is well-formed but not allowed in the current state (rotate while a
/// rotation is in progress, retire a key still in use). Becomes FailedPrecondition.
/// </summary>
public sealed class RuleViolation(string message) : Exception(message);

/// <summary>The record a request names does not exist. Becomes NotFound.</summary>
public sealed class RecordNotFound(string message) : Exception(message);
