using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.Verify;

/// <summary>
/// <c>verify license-key</c> says Valid only when issuer, audience and revocation were checked, and
/// <c>verify manifests|artifacts</c> trust only attestation keys that are not withdrawn.
/// </summary>
public sealed class FailClosedVerificationTests : IAsyncLifetime
{
    private readonly IssuerWithKeys _issuer = new();

    private Workspace Workspace => _issuer.Workspace;

    public Task InitializeAsync() => _issuer.InitializeAsync();

    public Task DisposeAsync() => _issuer.DisposeAsync();

    [Fact]
    public async Task a_license_checked_without_any_revocation_data_is_refused_unless_the_check_is_waived()
    {
        var license = await _issuer.SignLicenseAsync();

        var refused = (await Workspace.RunAsync("verify", "license-key", license, "--key", _issuer.SigningPublic, "--audience", "acme-app", "--output-format", "json")).Expect(1);
        var waived = (await Workspace.RunAsync("verify", "license-key", license, "--key", _issuer.SigningPublic, "--audience", "acme-app", "--no-revocation-check", "--output-format", "json")).Expect(0);

        Assert.Equal("NotCovered", refused.Json["status"]!.GetValue<string>());
        Assert.Contains("revocation not checked", refused.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("none", waived.Json["revocation"]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task the_feed_state_stored_by_an_earlier_check_answers_when_no_feed_is_given()
    {
        var license = await _issuer.SignLicenseAsync();
        using var feedKey = Ed25519SigningKey.Generate();
        var feedJwk = JsonWebKey.FromEd25519(feedKey.PublicKey, feedKey.ExportSeed(), "acme-feed-1").With(purpose: "feed");
        var keys = _issuer.NewPath(".jwks");
        File.WriteAllText(keys, new JsonWebKeySet([.. JsonWebKeySet.Parse(File.ReadAllText(_issuer.SigningPublic)).Keys, feedJwk.ToPublic()]).ToJson());
        var feed = _issuer.NewPath(".jws");
        File.WriteAllText(feed, SignedFeeds.Full(feedJwk, "acme", [Guid.Parse("0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f")]));
        (await Workspace.RunAsync("verify", "license-key", license, "--key", keys, "--audience", "acme-app", "--feed", feed)).Expect(0);

        var fromState = (await Workspace.RunAsync("verify", "license-key", license, "--key", keys, "--audience", "acme-app", "--output-format", "json")).Expect(0);

        Assert.Equal("stored-state", fromState.Json["revocation"]!["source"]!.GetValue<string>());
        Assert.Equal(1, fromState.Json["revocation"]!["feed_version"]!.GetValue<long>());
    }

    [Fact]
    public async Task a_license_checked_without_an_audience_is_refused_unless_any_audience_is_accepted()
    {
        var license = await _issuer.SignLicenseAsync();

        var refused = (await Workspace.RunAsync("verify", "license-key", license, "--key", _issuer.SigningPublic, "--no-revocation-check", "--output-format", "json")).Expect(1);
        (await Workspace.RunAsync("verify", "license-key", license, "--key", _issuer.SigningPublic, "--any-audience", "--no-revocation-check")).Expect(0);
        (await Workspace.RunAsync("verify", "license-key", license, "--key", _issuer.SigningPublic, "--audience", "acme-app", "--any-audience")).Expect(2);

        Assert.Equal("WrongAudience", refused.Json["status"]!.GetValue<string>());
        Assert.Contains("--audience", refused.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_license_whose_key_names_no_issuer_is_refused_unless_the_issuer_is_given()
    {
        // A license key of Notary's kind: its kid names no issuer and its set names none, so the issuer must come from --issuer.
        var key = _issuer.SigningKey;
        using var signingKey = Ed25519SigningKey.FromJwk(key);
        var publicSet = _issuer.NewPath(".jwks");
        File.WriteAllText(publicSet, new JsonWebKeySet([JsonWebKey.FromEd25519(signingKey.PublicKey, [], "license-key-1").With(purpose: "license")]).ToJson());
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var claims = new Ledger.Verification.LicenseClaims(UuidV7.NewId(), "acme", "customer-42", "acme-app", now, now, now.AddDays(30), ["sso"], null, null, 1);
        var license = _issuer.NewPath(".jwt");
        File.WriteAllText(license, Jws.Sign(claims.ToJson(), signingKey, "license-key-1", Ledger.Verification.LicenseClaims.TokenType));

        var refused = (await Workspace.RunAsync("verify", "license-key", license, "--key", publicSet, "--audience", "acme-app", "--no-revocation-check", "--output-format", "json")).Expect(1);
        (await Workspace.RunAsync("verify", "license-key", license, "--key", publicSet, "--audience", "acme-app", "--issuer", "acme", "--no-revocation-check")).Expect(0);

        Assert.Equal("WrongIssuer", refused.Json["status"]!.GetValue<string>());
        Assert.Contains("--issuer", refused.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_attestation_signed_by_a_feed_key_or_a_retired_key_is_refused()
    {
        var directory = _issuer.NewPath(".d");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "deploy.yaml"), "kind: Deployment\n");
        var attestation = _issuer.NewPath(".jwt");
        (await Workspace.RunAsync("sign", "manifests", directory, "--key", _issuer.SigningPrivate, "--attestation", attestation)).Expect(0);
        var key = JsonWebKeySet.Parse(File.ReadAllText(_issuer.SigningPublic)).Keys.Single();
        var asFeedKey = _issuer.NewPath(".jwks");
        var retired = _issuer.NewPath(".jwks");
        File.WriteAllText(asFeedKey, new JsonWebKeySet([key.With(purpose: "feed")]).ToJson());
        File.WriteAllText(retired, new JsonWebKeySet([key.With(status: "retired")]).ToJson());

        var wrongPurpose = (await Workspace.RunAsync("verify", "manifests", directory, "--key", asFeedKey, "--attestation", attestation, "--output-format", "json")).Expect(1);
        var withdrawn = (await Workspace.RunAsync("verify", "manifests", directory, "--key", retired, "--attestation", attestation, "--output-format", "json")).Expect(1);
        (await Workspace.RunAsync("verify", "manifests", directory, "--key", _issuer.SigningPublic, "--attestation", attestation)).Expect(0);

        Assert.Equal("WrongKeyPurpose", wrongPurpose.Json["status"]!.GetValue<string>());
        Assert.Equal("KeyRetiredOrCompromised", withdrawn.Json["status"]!.GetValue<string>());
    }
}
