using Ledger.Verification;

namespace Ledger.Revocation.Revocations;

/// <summary>
/// The head of the revocation log: one stream (fixed id) holding every revocation, and every revision
/// floor, in order.
/// Its version is the feed version and <see cref="Chain"/> the feed chain after the last entry.
/// Appends use optimistic concurrency on this stream, so versions are contiguous and the
/// chain has no forks.
/// </summary>
public sealed class RevocationLog
{
    /// <summary>The log's stream id (a fixed UUID: "revocation log" in hex-ish form).</summary>
    public static readonly Guid StreamId = new("7265766f-6361-7469-6f6e-6c6f67000001");

    public Guid Id { get; set; }

    public int Version { get; set; }

    public string Chain { get; set; } = "";

    public void Apply(LicenseWasRevoked e) => Chain = e.Chain;

    public void Apply(AttestationWasRevoked e) => Chain = e.Chain;

    public void Apply(LicenseRevisionSuperseded e) => Chain = e.Chain;

    public static string GenesisChain(string issuer) => FeedChain.Encode(FeedChain.Genesis(issuer));
}
