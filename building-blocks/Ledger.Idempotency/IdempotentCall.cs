namespace Ledger.Idempotency;

/// <summary>One request as idempotency sees it: "operation:caller:key", the key as sent, and the request's hash without the key.</summary>
public sealed record IdempotentCall(string Id, string Key, string RequestHash);
