using Ledger.Verification;

namespace Ledger.Revocation.Revocations;

/// <summary>One revoked license or attestation, as feeds and status queries read it. Id = license or attestation id.</summary>
public sealed class RevocationRecord
{
    public const string LicenseKind = "license";
    public const string AttestationKind = "attestation";

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

    public RevocationEntry ToEntry() => new(FeedVersion, Id, RevokedAt, Reason, LicenseExpiresAt, Kind);

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
