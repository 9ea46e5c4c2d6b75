using Ledger.Verification;

namespace Ledger.Revocation.Revocations;

/// <summary>
/// One entry of the revocation log, as feeds and status queries read it: a revoked license or attestation
/// (Id = license or attestation id), or a license's revision floor (kind <see cref="SupersededKind"/>: Id is
/// the entry's own, <see cref="LicenseId"/> the license; a license may get several floors over time).
/// </summary>
public sealed class RevocationRecord
{
    public const string LicenseKind = "license";
    public const string AttestationKind = "attestation";
    public const string SupersededKind = RevocationEntry.Superseded;

    /// <summary>Attestations that never expire are never pruned from full feeds.</summary>
    public static readonly DateTimeOffset NeverExpires = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public Guid Id { get; set; }

    /// <summary>"license" or "attestation".</summary>
    public string Kind { get; set; } = LicenseKind;

    public string Issuer { get; set; } = "";

    public string Reason { get; set; } = "";

    public string? Comment { get; set; }

    public DateTimeOffset RevokedAt { get; set; }

    public DateTimeOffset LicenseExpiresAt { get; set; }

    public long FeedVersion { get; set; }

    public string RequestedBy { get; set; } = "";

    /// <summary>The feed chain before and after this entry.</summary>
    public string PreviousChain { get; set; } = "";

    public string Chain { get; set; } = "";

    /// <summary>For a revision floor: the license it is for. Null for a revocation.</summary>
    public Guid? LicenseId { get; set; }

    /// <summary>For a revision floor: the lowest license key revision still valid. Null for a revocation.</summary>
    public int? MinimumRevision { get; set; }

    public bool IsRevisionFloor => Kind == SupersededKind;

    public RevocationEntry ToEntry() => new(FeedVersion, LicenseId ?? Id, RevokedAt, Reason, LicenseExpiresAt, Kind, MinimumRevision);

    public static RevocationRecord From(LicenseRevisionSuperseded e) => new()
    {
        Id = Guid.CreateVersion7(e.SupersededAt),
        Kind = SupersededKind,
        Issuer = e.Issuer,
        Reason = RevocationEntry.SupersededReason,
        RevokedAt = e.SupersededAt,
        LicenseExpiresAt = e.ExpiresAt,
        FeedVersion = e.FeedVersion,
        RequestedBy = "issuance",
        PreviousChain = e.PreviousChain,
        Chain = e.Chain,
        LicenseId = e.LicenseId,
        MinimumRevision = e.MinimumRevision,
    };

    public static RevocationRecord From(LicenseWasRevoked e) => new()
    {
        Id = e.LicenseId,
        Issuer = e.Issuer,
        Reason = e.Reason,
        Comment = e.Comment,
        RevokedAt = e.RevokedAt,
        LicenseExpiresAt = e.LicenseExpiresAt,
        FeedVersion = e.FeedVersion,
        RequestedBy = e.RequestedBy,
        PreviousChain = e.PreviousChain,
        Chain = e.Chain,
    };

    public static RevocationRecord From(AttestationWasRevoked e) => new()
    {
        Id = e.AttestationId,
        Kind = AttestationKind,
        Issuer = "",
        Reason = e.Reason,
        RevokedAt = e.RevokedAt,
        LicenseExpiresAt = e.ExpiresAt,
        FeedVersion = e.FeedVersion,
        RequestedBy = e.RequestedBy,
        PreviousChain = e.PreviousChain,
        Chain = e.Chain,
    };
}
