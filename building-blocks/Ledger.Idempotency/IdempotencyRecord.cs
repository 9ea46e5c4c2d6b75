namespace Ledger.Idempotency;

/// <summary>
/// The first response to a mutating request, committed with the request's events, so a retry under
/// the same key gets that response back instead of a second attestation.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>"operation:caller:key": keys are scoped to one caller and one operation.</summary>
    public string Id { get; set; } = "";

    /// <summary>SHA-256 of the request without its key, to tell a retry from a different request reusing the key.</summary>
    public string RequestHash { get; set; } = "";

    /// <summary>The protobuf response as first returned.</summary>
    public byte[] Response { get; set; } = [];

    public DateTimeOffset RecordedAt { get; set; }
}
