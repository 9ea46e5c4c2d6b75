using System.Text;
using System.Text.Json.Nodes;
using Ledger.Verification;

namespace Ledger.Cli.Licensing;

/// <summary>Prints a license verdict: the status and the sentence saying what to do, then what was checked.</summary>
internal sealed record LicenseVerdictReport(
    VerificationStatus Status,
    string Detail,
    LicenseClaims? Claims,
    string ExpectedIssuer,
    string IssuerCheck,
    string ExpectedAudience,
    bool AudienceChecked,
    IReadOnlyCollection<string> RequiredCapabilities,
    JsonObject Revocation,
    string RevocationText,
    JsonObject? SignatureLog = null,
    string? SignatureLogText = null)
{
    public int Print(CommandRun run)
    {
        var valid = Status == VerificationStatus.Valid;
        var json = new JsonObject
        {
            ["valid"] = valid,
            ["status"] = Status.ToString(),
            ["detail"] = Detail,
            ["license"] = Claims is null ? null : ClaimsJson(Claims),
            ["expected"] = new JsonObject
            {
                ["issuer"] = ExpectedIssuer,
                ["issuer_check"] = IssuerCheck,
                ["audience"] = ExpectedAudience,
                ["audience_checked"] = AudienceChecked,
                ["capabilities"] = Json.Array(RequiredCapabilities),
            },
            ["revocation"] = Revocation,
        };
        if (SignatureLog is not null)
        {
            json["signature_log"] = SignatureLog;
        }


        var text = new StringBuilder();
        text.AppendLine($"{Status}: {Detail}");
        if (Claims is { } claims)
        {
            text.AppendLine($"  license     {claims.LicenseId}");
            text.AppendLine($"  issuer      {claims.Issuer} ({IssuerCheck})");
            text.AppendLine($"  subject     {claims.Subject}");
            text.AppendLine($"  audience    {claims.Audience}{(AudienceChecked ? string.Empty : " (not checked: pass --audience)")}");
            text.AppendLine($"  caps        {(claims.Capabilities.Count == 0 ? "(none)" : string.Join(", ", claims.Capabilities))}");
            text.AppendLine($"  valid       {Json.Time(claims.NotBefore)} to {Json.Time(claims.ExpiresAt)}");
        }

        text.AppendLine($"  revocation  {RevocationText}");
        if (SignatureLogText is not null)
        {
            text.AppendLine($"  log         {SignatureLogText}");
        }

        return run.Print(json, text.ToString(), valid ? ExitCodes.Success : ExitCodes.Refused);
    }

    public static JsonObject ClaimsJson(LicenseClaims claims) => new()
    {
        ["id"] = claims.LicenseId.ToString(),
        ["issuer"] = claims.Issuer,
        ["subject"] = claims.Subject,
        ["audience"] = claims.Audience,
        ["capabilities"] = Json.Array(claims.Capabilities),
        ["product"] = claims.Product,
        ["edition"] = claims.Edition,
        ["revision"] = claims.Revision,
        ["issued_at"] = Json.Time(claims.IssuedAt),
        ["not_before"] = Json.Time(claims.NotBefore),
        ["expires_at"] = Json.Time(claims.ExpiresAt),
    };
}
