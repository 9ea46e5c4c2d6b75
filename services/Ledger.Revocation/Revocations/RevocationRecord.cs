using Ledger.Verification;

namespace Ledger.Revocation.Revocations;

/// <summary>One revoked license, as feeds and status queries read it. Id = license id.</summary>
public sealed class RevocationRecord
{
    public Guid Id { get; set; }

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

    public RevocationEntry ToEntry() => new(FeedVersion, Id, RevokedAt, Reason, LicenseExpiresAt, "license");

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
}
