using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Cli.Licensing;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Commands.Revoke;

/// <summary>
/// <c>ledgerctl revoke license-key FILE --output revocations.json</c>: adds the license's id to an
/// issuer's revoked set (Flux format), creating it or merging into it. The license key's signature
/// is checked first, so the set lists only genuine licenses of its own issuer.
/// </summary>
internal static class RevokeLicenseKeyCommand
{
    public static CliCommand Create()
    {
        var file = new Argument<string>("FILE") { Description = "The license key to revoke." };
        var output = new Option<string>("--output", "-o") { Description = "The revoked set to create or merge into (JSON, Flux format).", Required = true, HelpName = "FILE" };
        var key = KeyMaterial.Option(KeyRole.SigningPublic);
        var command = new CliCommand("license-key", "Add a license key's id to the revoked set of its issuer; refuses a set of another issuer.",
            "ledgerctl revoke license-key customer-42.jwt --key keys/bc530bc4-sig-public.jwks --output revocations.json");
        command.Add(file);
        command.Add(output);
        command.Add(key);
        command.Handle(
            run =>
            {
                var path = run.Get(output)!;
                var licenseKey = LicenseKeyFile.Read(run.Get(file)!);
                var claims = LicenseKeyFile.VerifiedClaims(licenseKey, KeyMaterial.TrustedKeys(run.Get(key), KeyMaterial.LicensePurpose));

                var set = File.Exists(path) ? RevokedSet.Read(path) : new RevokedSet(claims.Issuer);
                if (!string.Equals(set.Issuer, claims.Issuer, StringComparison.Ordinal))
                {
                    throw CliFailure.Usage($"{path} is the revoked set of issuer '{set.Issuer}', but the license key was issued by '{claims.Issuer}'. Keep one revoked set per issuer: pass another --output.");
                }

                var now = DateTimeOffset.UtcNow;
                var added = set.Add(claims.LicenseId, now);
                if (added)
                {
                    LocalFiles.Replace(path, set.ToJson(), LocalFiles.PublicMode);
                }

                var revokedAt = set.RevokedAt(claims.LicenseId)!.Value;
                var json = new JsonObject
                {
                    ["license_id"] = claims.LicenseId.ToString(),
                    ["issuer"] = claims.Issuer,
                    ["subject"] = claims.Subject,
                    ["revoked_at"] = Json.Time(revokedAt),
                    ["newly_revoked"] = added,
                    ["revoked_set"] = path,
                    ["revoked_count"] = set.Count,
                };
                var text = added
                    ? $"Revoked license {claims.LicenseId} ('{claims.Subject}', issuer {claims.Issuer}); {path} now lists {set.Count}."
                    : $"License {claims.LicenseId} was already revoked in {path} (since {Json.Time(revokedAt)}); nothing changed.";
                return Task.FromResult(run.Print(json, text));
            });
        return command;
    }
}
