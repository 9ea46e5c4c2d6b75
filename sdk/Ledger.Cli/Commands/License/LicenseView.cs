using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Online;
using IssuedLicense = Ledger.Contracts.Issuance.V1.License;

namespace Ledger.Cli.Commands.License;

/// <summary>How a license from Issuance is printed.</summary>
internal static class LicenseView
{
    public static JsonObject Json(IssuedLicense license) => new()
    {
        ["license_id"] = license.LicenseId,
        ["status"] = ProtoValues.Name(license.Status),
        ["customer_id"] = license.CustomerId,
        ["customer_name"] = license.CustomerName,
        ["customer_contact"] = license.CustomerContact,
        ["subject"] = license.Subject,
        ["product"] = license.Product,
        ["edition"] = license.Edition,
        ["audience"] = license.Audience,
        ["capabilities"] = Cli.Json.Array(license.Capabilities),
        ["valid_from"] = ProtoValues.Time(license.ValidFrom),
        ["expires_at"] = ProtoValues.Time(license.ExpiresAt),
        ["issued_at"] = ProtoValues.Time(license.IssuedAt),
        ["revision"] = license.Revision,
        ["profile"] = license.Profile == Contracts.Issuance.V1.LicenseProfile.Flux ? "flux" : "ledger",
        ["imported"] = license.Imported,
        ["kid"] = license.Kid,
        ["revoked_at"] = ProtoValues.Time(license.RevokedAt),
        ["revocation_reason"] = license.RevocationReason,
        ["license_key"] = license.LicenseKey,
    };

    public static string Text(IssuedLicense license, bool withKey = true)
    {
        var text = new StringBuilder();
        text.AppendLine($"License {license.LicenseId} ({ProtoValues.Name(license.Status)}, revision {license.Revision})");
        text.AppendLine($"  customer     {license.CustomerId} ({license.CustomerName}{(license.CustomerContact.Length > 0 ? ", " + license.CustomerContact : string.Empty)})");
        text.AppendLine($"  subject      {license.Subject}");
        text.AppendLine($"  product      {license.Product}{(license.Edition.Length > 0 ? " / " + license.Edition : string.Empty)}");
        text.AppendLine($"  audience     {license.Audience}");
        text.AppendLine($"  capabilities {(license.Capabilities.Count == 0 ? "(none)" : string.Join(", ", license.Capabilities))}");
        text.AppendLine($"  valid        {ProtoValues.TimeText(license.ValidFrom)} to {ProtoValues.TimeText(license.ExpiresAt)}");
        text.AppendLine($"  issued       {ProtoValues.TimeText(license.IssuedAt)} (signed by {license.Kid}){(license.Imported ? ", imported" : string.Empty)}");
        text.AppendLine($"  profile      {(license.Profile == Contracts.Issuance.V1.LicenseProfile.Flux ? "flux (typ JWT)" : "ledger (typ license+jwt)")}");
        if (license.RevokedAt is not null)
        {
            text.AppendLine($"  revoked      {ProtoValues.TimeText(license.RevokedAt)} ({license.RevocationReason})");
        }

        if (withKey)
        {
            text.AppendLine($"  license key  {license.LicenseKey}");
        }

        return text.ToString();
    }

    /// <summary>One line per license, for lists.</summary>
    public static string Line(IssuedLicense license) =>
        $"{license.LicenseId}  {ProtoValues.Name(license.Status),-13}  {license.CustomerId,-16}  {license.Product,-20}  expires {ProtoValues.TimeText(license.ExpiresAt)}";
}
