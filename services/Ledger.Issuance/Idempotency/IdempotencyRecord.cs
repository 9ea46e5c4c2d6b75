namespace Ledger.Issuance.Idempotency;

/// <summary>
/// The first result of a mutating request, stored in the same transaction as its events, so
/// a retry with the same key returns it instead of acting twice.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>Operation, caller and key: one caller's keys never collide with another's.</summary>
    public string Id { get; set; } = "";

    /// <summary>SHA-256 of the request without its key: a different request under the same key is refused.</summary>
    public string RequestHash { get; set; } = "";

    /// <summary>The protobuf response as first returned.</summary>
    public byte[] Response { get; set; } = [];

    public DateTimeOffset RecordedAt { get; set; }
}
