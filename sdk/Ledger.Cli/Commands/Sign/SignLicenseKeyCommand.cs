using System.CommandLine;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Cli.Licensing;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Commands.Sign;

/// <summary>
/// <c>ledgerctl sign license-key</c>: a license key signed offline with an issuer's own key, in the
/// Flux Operator's format, so the Flux Operator accepts it unchanged: header typ <c>JWT</c>, a UUIDv6
/// <c>jti</c>, <c>sub</c> the customer pseudonym <c>c-</c> + 16 hex of SHA-256(customer), <c>aud</c>
/// an array (default <c>["flux-operator"]</c>), <c>caps</c> when any (<see cref="LicenseClaims.ToFluxJson"/>).
/// </summary>
internal static class SignLicenseKeyCommand
{
    public static CliCommand Create()
    {
        var customer = new Option<string>("--customer", "-c") { Description = "Who the license is for; the 'sub' claim is its pseudonym c-<16 hex of SHA-256(customer)>.", Required = true };
        var duration = new Option<int>("--duration", "-d") { Description = $"Days from now until the license expires ({LicenseTermsRules.MinDurationDays}-{LicenseTermsRules.MaxDurationDays}).", Required = true, HelpName = "DAYS" };
        var capabilities = new Option<string[]>("--capabilities") { Description = "Capabilities granted, comma-separated (e.g. feature1,feature2); repeatable.", HelpName = "a,b", AllowMultipleArgumentsPerToken = false };
        var audience = new Option<string>("--audience") { Description = $"Who the license key is for (the 'aud' claim). Default: {LicenseClaims.FluxAudience}, the audience the Flux Operator requires.", DefaultValueFactory = _ => LicenseClaims.FluxAudience };
        var product = new Option<string>("--product") { Description = "Optional product name (the 'product' claim)." };
        var edition = new Option<string>("--edition") { Description = "Optional edition (the 'edition' claim)." };
        var output = new Option<string>("--output", "-o") { Description = "File to write the license key to (never overwritten).", Required = true, HelpName = "FILE" };
        var key = KeyMaterial.Option(KeyRole.SigningPrivate);

        var command = new CliCommand("license-key", "Sign a license key offline with your issuer key, in the Flux Operator's license key format.",
            "ledgerctl sign license-key --customer \"Acme Corp\" --duration 365 --capabilities feature1,feature2 --output acme.jwt",
            "ledgerctl sign license-key -k keys/bc530bc4-sig-private.jwks -c customer-42 -d 30 --audience acme-app -o customer-42.jwt");
        foreach (var option in new Option[] { customer, duration, capabilities, audience, product, edition, output, key })
        {
            command.Add(option);
        }

        command.Handle(run =>
        {
            var customerName = LicenseTermsRules.Text(run.Get(customer), "--customer");
            var days = LicenseTermsRules.DurationDays(run.Get(duration));
            var granted = LicenseTermsRules.Capabilities(run.Get(capabilities));
            var audienceName = LicenseTermsRules.Text(run.Get(audience), "--audience");
            var productName = run.Given(product) ? LicenseTermsRules.Text(run.Get(product), "--product") : null;
            var editionName = run.Given(edition) ? LicenseTermsRules.Text(run.Get(edition), "--edition") : null;
            var path = run.Get(output)!;
            LocalFiles.RefuseExisting(path, "Output file");
            var (jwk, issuer) = KeyMaterial.SigningKey(run.Get(key));

            // Whole seconds: the token carries Unix seconds, and what is printed must match it.
            var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            var claims = new LicenseClaims(UuidV6.NewId(now), issuer, LicenseClaims.FluxSubject(customerName), audienceName, now, now, now.AddDays(days),
                granted, productName, editionName, 0);
            using var signingKey = Ed25519SigningKey.FromJwk(jwk);
            var licenseKey = Jws.Sign(claims.ToFluxJson(), signingKey, jwk.Kid!, LicenseClaims.FluxTokenType);
            LocalFiles.WriteNew(path, licenseKey + "\n", LocalFiles.PublicMode);

            var json = LicenseVerdictReport.ClaimsJson(claims);
            json.Remove("revision");
            json["customer"] = customerName;
            json["kid"] = jwk.Kid;
            json["license_key_file"] = path;
            return Task.FromResult(run.Print(json, $"""
                Signed license key {claims.LicenseId} for '{customerName}' (subject {claims.Subject}, issuer {issuer}, audience {claims.Audience}).
                  capabilities  {(claims.Capabilities.Count == 0 ? "(none)" : string.Join(", ", claims.Capabilities))}
                  valid         {Json.Time(claims.NotBefore)} to {Json.Time(claims.ExpiresAt)}
                  written to    {path}
                """));
        });
        return command;
    }
}
