using System.Text.Json.Nodes;
using Ledger.Contracts.Revocation.V1;

namespace Ledger.Cli.Online;

/// <summary>How a revocation record from Revocation is printed (license revoke and status, feed watch).</summary>
internal static class RevocationView
{
    public static JsonObject Json(RevocationRecord record) => new()
    {
        ["license_id"] = record.LicenseId,
        ["issuer"] = record.Issuer,
        ["reason"] = record.Reason,
        ["revoked_at"] = ProtoValues.Time(record.RevokedAt),
        ["feed_version"] = record.FeedVersion,
        ["requested_by"] = record.RequestedBy,
        ["license_expires_at"] = ProtoValues.Time(record.LicenseExpiresAt),
        ["comment"] = record.Comment,
    };
}
