using Marten.Schema;

namespace Ledger.Revocation.KnownLicenses;

/// <summary>
/// How far Revocation has followed Issuance: the highest Issuance event sequence up to which every
/// published event was applied, with no gap (<see cref="Sequence"/>), and the newest decision time
/// among them (<see cref="At"/>, Issuance's clock). Every license whose id was minted more than
/// Issuance's longest mint-to-commit time before <see cref="At"/> is known (docs/FEEDS.md); the
/// filter's <c>covers_until</c> derives from it, never from Revocation's wall clock.
/// One document, written with optimistic concurrency.
/// </summary>
public sealed class LicenseHorizon
{
    public static readonly Guid DocumentId = new("686f7269-7a6f-6e00-0000-000000000001");

    public Guid Id { get; set; } = DocumentId;

    /// <summary>Marten's version of the stored document: a write checks it (lightweight sessions track it only here).</summary>
    [Version]
    public Guid Version { get; set; }

    public long Sequence { get; set; }

    public DateTimeOffset At { get; set; } = DateTimeOffset.UnixEpoch;
}

/// <summary>An Issuance event that arrived before its predecessor; applied as soon as the gap closes.</summary>
public sealed class PendingLicenseEvent
{
    /// <summary>Its Issuance sequence (ledger-sequence).</summary>
    public long Id { get; set; }

    /// <summary>The sequence of the event Issuance published before it (ledger-previous-sequence).</summary>
    public long Previous { get; set; }

    /// <summary>The integration event's contract name (LicenseIssued, LicenseRenewed, ...).</summary>
    public string Type { get; set; } = "";

    /// <summary>The integration event as JSON.</summary>
    public string Body { get; set; } = "";

    public DateTimeOffset ReceivedAt { get; set; }
}
