using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;

namespace Ledger.Cli.Tests.Commands.Revoke;

/// <summary><c>revoke license-key</c> into a revoked set (Flux format), and verification against it.</summary>
public sealed class RevokeLicenseKeyTests(IssuerWithKeys issuer) : IClassFixture<IssuerWithKeys>
{
    private Workspace Workspace => issuer.Workspace;

    [Fact]
    public async Task a_revoked_license_fails_verification_against_the_revoked_set()
    {
        var license = await issuer.SignLicenseAsync();
        var revocations = issuer.NewPath(".json");

        var revoked = (await Workspace.RunAsync("revoke", "license-key", license, "--key", issuer.SigningPublic, "--output", revocations, "--output-format", "json")).Expect(0);

        var set = JsonNode.Parse(File.ReadAllText(revocations))!;
        Assert.Equal("acme", set["issuer"]!.GetValue<string>());
        var id = revoked.Json["license_id"]!.GetValue<string>();
        Assert.True(set["keys"]![id]!.GetValue<long>() > 0);

        var verdict = (await Workspace.RunAsync("verify", "license-key", license, "--key", issuer.SigningPublic, "--audience", "acme-app", "--revoked-set", revocations, "--output-format", "json")).Expect(1);
        Assert.Equal("Revoked", verdict.Json["status"]!.GetValue<string>());
        Assert.Contains(revocations, verdict.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task revoking_merges_into_the_existing_set_and_keeps_the_first_time()
    {
        var first = await issuer.SignLicenseAsync(customer: "first");
        var second = await issuer.SignLicenseAsync(customer: "second");
        var revocations = issuer.NewPath(".json");
        (await Workspace.RunAsync("revoke", "license-key", first, "--key", issuer.SigningPublic, "--output", revocations)).Expect(0);
        var firstTime = JsonNode.Parse(File.ReadAllText(revocations))!["keys"]!.AsObject().Single().Value!.GetValue<long>();

        (await Workspace.RunAsync("revoke", "license-key", second, "--key", issuer.SigningPublic, "--output", revocations)).Expect(0);
        var again = (await Workspace.RunAsync("revoke", "license-key", first, "--key", issuer.SigningPublic, "--output", revocations, "--output-format", "json")).Expect(0);

        Assert.False(again.Json["newly_revoked"]!.GetValue<bool>());
        var keys = JsonNode.Parse(File.ReadAllText(revocations))!["keys"]!.AsObject();
        Assert.Equal(2, keys.Count);
        Assert.Contains(keys, k => k.Value!.GetValue<long>() == firstTime);
        (await Workspace.RunAsync("verify", "license-key", second, "--key", issuer.SigningPublic, "--audience", "acme-app", "--revoked-set", revocations)).Expect(1);
    }

    [Fact]
    public async Task revoking_into_another_issuers_set_is_refused_and_leaves_it_unchanged()
    {
        var acmeLicense = await issuer.SignLicenseAsync();
        var otherLicense = await issuer.SignLicenseAsync(key: issuer.OtherSigningPrivate);
        var revocations = issuer.NewPath(".json");
        (await Workspace.RunAsync("revoke", "license-key", acmeLicense, "--key", issuer.SigningPublic, "--output", revocations)).Expect(0);
        var before = File.ReadAllText(revocations);

        var result = (await Workspace.RunAsync("revoke", "license-key", otherLicense, "--key", issuer.OtherSigningPublic, "--output", revocations)).Expect(2);

        Assert.Contains("revoked set of issuer 'acme'", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(revocations));
    }

    [Fact]
    public async Task a_revoked_set_of_another_issuer_cannot_speak_for_a_license()
    {
        var otherSet = Workspace.Write($"{Guid.NewGuid():N}.json", """{"issuer":"other","keys":{}}""");
        var license = await issuer.SignLicenseAsync();

        var result = (await Workspace.RunAsync("verify", "license-key", license, "--key", issuer.SigningPublic, "--audience", "acme-app", "--revoked-set", otherSet, "--output-format", "json")).Expect(1);

        Assert.Equal("NotCovered", result.Json["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_license_not_in_the_set_is_valid_against_it()
    {
        var license = await issuer.SignLicenseAsync();
        var set = Workspace.Write($"{Guid.NewGuid():N}.json", """{"issuer":"acme","keys":{"0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f":1763891990}}""");

        var result = (await Workspace.RunAsync("verify", "license-key", license, "--key", issuer.SigningPublic, "--audience", "acme-app", "--revoked-set", set)).Expect(0);

        Assert.Contains("not in the revoked set", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task only_genuine_license_keys_are_revoked()
    {
        var license = await issuer.SignLicenseAsync();
        var revocations = issuer.NewPath(".json");

        (await Workspace.RunAsync("revoke", "license-key", license, "--key", issuer.OtherSigningPublic, "--output", revocations)).Expect(1);

        Assert.False(File.Exists(revocations));
    }

    [Fact]
    public async Task revoked_set_and_feed_together_are_a_usage_error()
    {
        var license = await issuer.SignLicenseAsync();

        (await Workspace.RunAsync("verify", "license-key", license, "--key", issuer.SigningPublic, "--revoked-set", "a.json", "--feed", "b.jws")).Expect(2);
    }
}
