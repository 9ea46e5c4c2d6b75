using System.Text;
using Ledger.Cli.Tests.Support;
using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Tests.Commands.Sign;

/// <summary><c>sign license-key</c> and <c>verify license-key</c> offline, with keys from files and environment variables.</summary>
public sealed class LicenseKeyTests(IssuerWithKeys issuer) : IClassFixture<IssuerWithKeys>
{
    private Workspace Workspace => issuer.Workspace;

    [Fact]
    public async Task signed_license_key_carries_the_given_terms_and_verifies_with_the_issuer_public_key()
    {
        var license = await issuer.SignLicenseAsync(customer: "customer-42", audience: "acme-app", capabilities: "sso,fips", days: 30);

        var claims = LicenseClaims.Parse(Jws.Verify(File.ReadAllText(license).Trim(), JsonWebKeySet.Parse(File.ReadAllText(issuer.SigningPublic))).Payload);
        Assert.Equal("acme", claims.Issuer);
        Assert.Equal(FluxFormat.Subject("customer-42"), claims.Subject);
        Assert.Equal(["acme-app"], claims.Audiences);
        Assert.Equal(["sso", "fips"], claims.Capabilities);
        Assert.True(UuidV6.IsVersion6(claims.LicenseId));
        Assert.Equal(TimeSpan.FromDays(30), claims.ExpiresAt - claims.IssuedAt);

        var result = (await Workspace.RunAsync("verify", "license-key", license, "--key", issuer.SigningPublic, "--audience", "acme-app", "--capability", "sso", "--issuer", "acme", "--no-revocation-check", "--output-format", "json")).Expect(0);
        Assert.Equal("Valid", result.Json["status"]!.GetValue<string>());
        Assert.Equal(claims.LicenseId.ToString(), result.Json["license"]!["id"]!.GetValue<string>());
        Assert.Equal("checked: --issuer", result.Json["expected"]!["issuer_check"]!.GetValue<string>());
        Assert.Equal("none", result.Json["revocation"]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task verification_with_another_issuers_key_fails_as_unknown_key()
    {
        var license = await issuer.SignLicenseAsync();

        var result = (await Workspace.RunAsync("verify", "license-key", license, "--key", issuer.OtherSigningPublic)).Expect(1);

        Assert.StartsWith("UnknownKey:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_tampered_license_key_fails_as_bad_signature()
    {
        var license = await issuer.SignLicenseAsync(capabilities: "sso");
        var parts = File.ReadAllText(license).Trim().Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.Decode(parts[1])).Replace("\"sso\"", "\"fips\"", StringComparison.Ordinal);
        var tampered = issuer.NewPath(".jwt");
        File.WriteAllText(tampered, $"{parts[0]}.{Base64Url.Encode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}");

        var result = (await Workspace.RunAsync("verify", "license-key", tampered, "--key", issuer.SigningPublic, "--output-format", "json")).Expect(1);

        Assert.Equal("BadSignature", result.Json["status"]!.GetValue<string>());
        Assert.False(result.Json["valid"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("--audience", "another-app", "WrongAudience")]
    [InlineData("--capability", "audit", "MissingCapability")]
    [InlineData("--issuer", "globex", "WrongIssuer")]
    public async Task verification_names_the_first_expectation_the_license_fails(string option, string value, string status)
    {
        var license = await issuer.SignLicenseAsync(audience: "acme-app", capabilities: "sso");

        // Every other expectation is met (the audience, unless the case is about it), so the verdict names this one.
        string[] audience = option == "--audience" ? [] : ["--audience", "acme-app"];
        var result = (await Workspace.RunAsync(["verify", "license-key", license, "--key", issuer.SigningPublic, option, value, .. audience, "--output-format", "json"])).Expect(1);

        Assert.Equal(status, result.Json["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_key_of_an_older_ledgerctl_still_names_its_issuer_and_a_license_claiming_another_fails()
    {
        // Older ledgerctl keys: kid "<issuer>:<thumbprint>", no 'issuer' member; the kid names the issuer.
        using var signingKey = Ed25519SigningKey.Generate();
        var unnamed = signingKey.ToJwk("unnamed", includePrivate: true);
        var key = unnamed.With(kid: $"acme:{unnamed.Thumbprint()}");
        var publicSet = Workspace.Write($"{Guid.NewGuid():N}.jwks", new JsonWebKeySet([key.ToPublic()]).ToJson());
        var forged = issuer.NewPath(".jwt");
        var claims = new LicenseClaims(UuidV7.NewId(), "globex", "customer", "acme-app", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), [], null, null, 0);
        File.WriteAllText(forged, Jws.Sign(claims.ToJson(), signingKey, key.Kid!, LicenseClaims.TokenType));

        var result = (await Workspace.RunAsync("verify", "license-key", forged, "--key", publicSet)).Expect(1);

        Assert.StartsWith("WrongIssuer:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_expired_license_fails_as_expired()
    {
        var past = DateTimeOffset.UtcNow.AddDays(-10);
        var expired = Forge(new LicenseClaims(UuidV7.NewId(), "acme", "customer", "acme-app", past, past, past.AddDays(1), [], null, null, 0));

        var result = (await Workspace.RunAsync("verify", "license-key", expired, "--key", issuer.SigningPublic)).Expect(1);

        Assert.StartsWith("Expired:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task keys_come_from_environment_variables_holding_a_path_or_the_json()
    {
        var output = issuer.NewPath(".jwt");
        (await Workspace.Tool.With("LEDGER_SIGNING_PRIVATE_JWKS", issuer.SigningPrivate)
            .RunAsync("sign", "license-key", "--customer", "c", "--duration", "1", "--audience", "a", "--output", output)).Expect(0);

        (await Workspace.Tool.With("LEDGER_SIGNING_PUBLIC_JWKS", File.ReadAllText(issuer.SigningPublic))
            .RunAsync("verify", "license-key", output, "--audience", "a", "--no-revocation-check")).Expect(0);
    }

    [Fact]
    public async Task keys_come_from_the_flux_distro_variables_and_ledger_variables_win_over_them()
    {
        var output = issuer.NewPath(".jwt");
        (await Workspace.Tool.With("FLUX_DISTRO_SIG_PRIVATE_JWKS", File.ReadAllText(issuer.SigningPrivate))
            .RunAsync("sign", "license-key", "-c", "c", "-d", "1", "-o", output)).Expect(0);

        (await Workspace.Tool.With("FLUX_DISTRO_SIG_PUBLIC_JWKS", File.ReadAllText(issuer.SigningPublic))
            .RunAsync("verify", "license-key", output)).Expect(0);
        var other = (await Workspace.Tool.With("FLUX_DISTRO_SIG_PUBLIC_JWKS", File.ReadAllText(issuer.SigningPublic)).With("LEDGER_SIGNING_PUBLIC_JWKS", issuer.OtherSigningPublic)
            .RunAsync("verify", "license-key", output)).Expect(1);
        Assert.StartsWith("UnknownKey:", other.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_key_set_is_also_given_as_k_or_key_set()
    {
        var output = issuer.NewPath(".jwt");
        (await Workspace.RunAsync("sign", "license-key", "-k", issuer.SigningPrivate, "-c", "c", "-d", "1", "-o", output)).Expect(0);

        (await Workspace.RunAsync("verify", "license-key", output, "--key-set", issuer.SigningPublic, "--any-audience", "--no-revocation-check")).Expect(0);
    }

    [Fact]
    public async Task signing_without_a_key_is_a_usage_error_naming_the_variable()
    {
        var result = (await Workspace.RunAsync("sign", "license-key", "--customer", "c", "--duration", "1", "--audience", "a", "--output", issuer.NewPath(".jwt"))).Expect(2);

        Assert.Contains("LEDGER_SIGNING_PRIVATE_JWKS", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("FLUX_DISTRO_SIG_PRIVATE_JWKS", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task signing_with_a_public_key_file_is_a_usage_error()
    {
        var result = (await Workspace.RunAsync("sign", "license-key", "--key", issuer.SigningPublic, "--customer", "c", "--duration", "1", "--audience", "a", "--output", issuer.NewPath(".jwt"))).Expect(2);

        Assert.Contains("no Ed25519 private key", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task signing_never_overwrites_the_output()
    {
        var existing = Workspace.Write($"{Guid.NewGuid():N}.jwt", "keep me");

        (await Workspace.RunAsync("sign", "license-key", "--key", issuer.SigningPrivate, "--customer", "c", "--duration", "1", "--audience", "a", "--output", existing)).Expect(2);

        Assert.Equal("keep me", File.ReadAllText(existing));
    }

    [Theory]
    [InlineData("--duration", "0")]
    [InlineData("--duration", "3651")]
    [InlineData("--capabilities", "SSO")]
    [InlineData("--capabilities", "sso,sso")]
    public async Task signing_refuses_terms_out_of_range(string option, string value)
    {
        var args = new List<string> { "sign", "license-key", "--key", issuer.SigningPrivate, "--customer", "c", "--audience", "a", "--output", issuer.NewPath(".jwt") };
        args.AddRange(option == "--duration" ? [option, value] : ["--duration", "1", option, value]);

        (await Workspace.RunAsync([.. args])).Expect(2);
    }

    private string Forge(LicenseClaims claims)
    {
        var key = issuer.SigningKey;
        using var signingKey = Ed25519SigningKey.FromJwk(key);
        var path = issuer.NewPath(".jwt");
        File.WriteAllText(path, Jws.Sign(claims.ToJson(), signingKey, key.Kid!, LicenseClaims.TokenType));
        return path;
    }
}
