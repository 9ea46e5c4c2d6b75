using System.CommandLine;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;
using Ledger.Cli.Licensing;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Commands.Sign;

/// <summary>
/// <c>ledgerctl sign license-key</c>: a license key signed offline with an issuer's own key, in
/// the one license key format (<see cref="LicenseClaims"/>, typ license+jwt). Unlike Issuance,
/// which puts a pseudonym in <c>sub</c>, an offline key carries <c>--customer</c> as given.
/// </summary>
internal static class SignLicenseKeyCommand
{
    public static CliCommand Create()
    {
        var customer = new Option<string>("--customer") { Description = "Who the license is for; written to the 'sub' claim as given.", Required = true };
        var duration = new Option<int>("--duration") { Description = $"Days from now until the license expires ({LicenseTermsRules.MinDurationDays}-{LicenseTermsRules.MaxDurationDays}).", Required = true, HelpName = "DAYS" };
        var capabilities = new Option<string[]>("--capabilities") { Description = "Capabilities granted, comma-separated (e.g. sso,fips); repeatable.", HelpName = "a,b", AllowMultipleArgumentsPerToken = false };
        var audience = new Option<string>("--audience") { Description = "Who the license key is for: the product's verifier id (the 'aud' claim).", Required = true };
        var product = new Option<string>("--product") { Description = "Optional product name (the 'product' claim)." };
        var edition = new Option<string>("--edition") { Description = "Optional edition (the 'edition' claim)." };
        var output = new Option<string>("--output") { Description = "File to write the license key to (never overwritten).", Required = true, HelpName = "FILE" };
        var key = KeyMaterial.Option(KeyRole.SigningPrivate);

        var command = new CliCommand("license-key", "Sign a license key offline with your issuer key.",
            "ledgerctl sign license-key --key acme-sig.private.jwks --customer customer-42 --duration 365 --capabilities sso,fips --audience acme-app --output customer-42.jwt");
        foreach (var option in new Option[] { customer, duration, capabilities, audience, product, edition, output, key })
        {
            command.Add(option);
        }

        command.Handle(
            run =>
            {
                var terms = (
                    Customer: LicenseTermsRules.Text(run.Get(customer), "--customer"),
                    Days: LicenseTermsRules.DurationDays(run.Get(duration)),
                    Capabilities: LicenseTermsRules.Capabilities(run.Get(capabilities)),
                    Audience: LicenseTermsRules.Text(run.Get(audience), "--audience"),
                    Product: run.Given(product) ? LicenseTermsRules.Text(run.Get(product), "--product") : null,
                    Edition: run.Given(edition) ? LicenseTermsRules.Text(run.Get(edition), "--edition") : null);
                var path = run.Get(output)!;
                LocalFiles.RefuseExisting(path, "Output file");
                var (jwk, issuer) = KeyMaterial.SigningKey(run.Get(key));

                // Whole seconds: the token carries Unix seconds, and what is printed must match it.
                var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
                var claims = new LicenseClaims(UuidV7.NewId(), issuer, terms.Customer, terms.Audience, now, now, now.AddDays(terms.Days),
                    terms.Capabilities, terms.Product, terms.Edition, 0);
                using var signingKey = Ed25519SigningKey.FromJwk(jwk);
                var licenseKey = Jws.Sign(claims.ToJson(), signingKey, jwk.Kid!, LicenseClaims.TokenType);
                LocalFiles.WriteNew(path, licenseKey + "\n", LocalFiles.PublicMode);

                var json = LicenseVerdictReport.ClaimsJson(claims);
                json["kid"] = jwk.Kid;
                json["license_key_file"] = path;
                return Task.FromResult(run.Print(json, $"""
                    Signed license key {claims.LicenseId} for '{claims.Subject}' (issuer {issuer}, audience {claims.Audience}).
                      capabilities  {(claims.Capabilities.Count == 0 ? "(none)" : string.Join(", ", claims.Capabilities))}
                      valid         {Json.Time(claims.NotBefore)} to {Json.Time(claims.ExpiresAt)}
                      written to    {path}
                    """));
            },
            outputNamesAFile: true);
        return command;
    }
}
