using Ledger.Cli.Tests.Support;

namespace Ledger.Cli.Tests.Commands.License;

/// <summary>The license commands against the running Issuance and Revocation services.</summary>
[Collection(RunningLedgerCollection.Name)]
public sealed class LicenseTests(RunningLedger ledger) : IDisposable
{
    private readonly OnlineWorkspace _online = new(ledger);

    [Fact]
    public async Task an_issued_license_can_be_read_renewed_changed_and_listed()
    {
        var customer = $"cust-{Guid.NewGuid():N}"[..20];
        var issued = (await _online.RunAsync("license", "issue", "--customer-id", customer, "--customer-name", "Acme Corp", "--customer-contact", "ops@acme.example",
            "--product", "flux-enterprise", "--edition", "standard", "--audience", "acme-app", "--capabilities", "sso,fips", "--duration", "30",
            "--license-key-file", "license.jwt", "--output-format", "json")).Expect(0);
        var id = issued.Json["license_id"]!.GetValue<string>();
        Assert.Equal("active", issued.Json["status"]!.GetValue<string>());
        Assert.Equal(issued.Json["license_key"]!.GetValue<string>() + "\n", File.ReadAllText(_online["license.jwt"]));

        var got = (await _online.RunAsync("license", "get", id)).Expect(0);
        var revision = issued.Json["revision"]!.GetValue<int>();
        Assert.Contains($"License {id} (active, revision {revision})", got.Stdout, StringComparison.Ordinal);
        Assert.Contains("Acme Corp", got.Stdout, StringComparison.Ordinal);

        var renewed = (await _online.RunAsync("license", "renew", id, "--duration", "365", "--output-format", "json")).Expect(0);
        Assert.Equal(revision + 1, renewed.Json["revision"]!.GetValue<int>());

        var changed = (await _online.RunAsync("license", "change-capabilities", id, "--capabilities", "sso,fips,audit", "--output-format", "json")).Expect(0);
        Assert.Equal(["audit", "fips", "sso"], changed.Json["capabilities"]!.AsArray().Select(c => c!.GetValue<string>()).Order());

        var history = (await _online.RunAsync("license", "history", id, "--output-format", "json")).Expect(0);
        Assert.Equal(["LicenseIssued", "LicenseRenewed", "LicenseCapabilitiesChanged"], history.Json["entries"]!.AsArray().Select(e => e!["event"]!.GetValue<string>()));
        Assert.All(history.Json["entries"]!.AsArray(), e => Assert.Equal("admin", e!["requested_by"]!.GetValue<string>()));

        var listed = (await _online.RunAsync("license", "list", "--customer-id", customer, "--all", "--output-format", "json")).Expect(0);
        Assert.Equal([id], listed.Json["licenses"]!.AsArray().Select(l => l!["license_id"]!.GetValue<string>()));

        var counted = (await _online.RunAsync("license", "count", "--customer-id", customer, "--output-format", "json")).Expect(0);
        Assert.Equal(1, counted.Json["active"]!.GetValue<long>());
    }

    [Fact]
    public async Task an_issued_license_key_verifies_offline_with_notarys_jwks_until_it_is_revoked()
    {
        var issued = (await _online.RunAsync("license", "issue", "--customer-id", "cust-revoke", "--customer-name", "Revoked Corp", "--product", "flux-enterprise",
            "--audience", "acme-app", "--capabilities", "sso", "--duration", "30", "--license-key-file", "license.jwt", "--output-format", "json")).Expect(0);
        var id = issued.Json["license_id"]!.GetValue<string>();
        var jwks = (await _online.RunAsync("keys", "jwks")).Expect(0);
        File.WriteAllText(_online["ledger.jwks"], jwks.Stdout);
        var feedUrl = $"{ledger.Revocation.HttpUrl}/feeds/revocations";

        var valid = (await _online.RunAsync("verify", "license-key", "license.jwt", "--key", "ledger.jwks", "--audience", "acme-app", "--issuer", "ledger", "--capability", "sso", "--feed", feedUrl, "--output-format", "json")).Expect(0);
        Assert.Equal("feed", valid.Json["revocation"]!["source"]!.GetValue<string>());

        // Revocation learns of the license from Issuance's LicenseIssued event, within seconds; until then status is NOT_FOUND.
        var status = await _online.EventuallyAsync("license", "status", id, "--output-format", "json");
        Assert.False(status.Json["revoked"]!.GetValue<bool>());

        var revoked = (await _online.RunAsync("license", "revoke", id, "--reason", "key_compromise", "--comment", "leaked", "--output-format", "json")).Expect(0);
        Assert.True(revoked.Json["newly_revoked"]!.GetValue<bool>());
        Assert.Equal("keyCompromise", revoked.Json["reason"]!.GetValue<string>());
        var again = (await _online.RunAsync("license", "revoke", id, "--output-format", "json")).Expect(0);
        Assert.False(again.Json["newly_revoked"]!.GetValue<bool>());

        var revokedStatus = (await _online.RunAsync("license", "status", id)).Expect(0);
        Assert.Contains("REVOKED", revokedStatus.Stdout, StringComparison.Ordinal);

        var verdict = (await _online.RunAsync("verify", "license-key", "license.jwt", "--key", "ledger.jwks", "--audience", "acme-app", "--issuer", "ledger", "--feed", feedUrl, "--output-format", "json")).Expect(1);
        Assert.Equal("Revoked", verdict.Json["status"]!.GetValue<string>());

        var issuance = (await _online.EventuallyAsync("license", "get", id, "--output-format", "json"));
        Assert.NotNull(issuance.Json["license_id"]);
    }

    [Fact]
    public async Task revoking_by_presenting_the_license_key_works()
    {
        (await _online.RunAsync("license", "issue", "--customer-id", "cust-by-key", "--customer-name", "Key Corp", "--product", "flux-enterprise",
            "--audience", "acme-app", "--duration", "30", "--license-key-file", "by-key.jwt")).Expect(0);

        var revoked = await _online.EventuallyAsync("license", "revoke", "--license-key", "by-key.jwt", "--reason", "superseded");

        Assert.Contains("Revoked license", revoked.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task revoke_many_revokes_every_license_of_a_customer_in_one_call_and_a_retry_returns_the_first_result()
    {
        var customer = $"cust-many-{Guid.NewGuid():N}"[..24];
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var issued = (await _online.RunAsync("license", "issue", "--customer-id", customer, "--customer-name", "Many Corp", "--product", "flux-enterprise",
                "--audience", "acme-app", "--duration", "30", "--output-format", "json")).Expect(0);
            ids.Add(issued.Json["license_id"]!.GetValue<string>());
        }

        // Revocation learns the licenses from LicenseIssued within seconds. Revoking by customer revokes those it knows,
        // so wait until it knows all three.
        foreach (var id in ids)
        {
            await _online.EventuallyAsync("license", "status", id);
        }

        var revoked = await _online.EventuallyAsync("license", "revoke-many", "--customer-id", customer, "--reason", "cessation_of_operation",
            "--idempotency-key", $"many-{customer}", "--output-format", "json");
        var retried = (await _online.RunAsync("license", "revoke-many", "--customer-id", customer, "--reason", "cessation_of_operation",
            "--idempotency-key", $"many-{customer}", "--output-format", "json")).Expect(0);
        var byIds = (await _online.RunAsync("license", "revoke-many", ids[0], ids[1], "--output-format", "json")).Expect(0);
        var unknown = (await _online.RunAsync("license", "revoke-many", "0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f")).Expect(2);
        var neither = (await _online.RunAsync("license", "revoke-many")).Expect(2);
        // A kid no license was signed with revokes nothing (the real revocation by kid runs in Revocation's tests: here it would revoke other tests' licenses).
        var unknownKid = (await _online.RunAsync("license", "revoke-many", "--kid", "0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f", "--reason", "key_compromise")).Expect(2);
        var twoSelections = (await _online.RunAsync("license", "revoke-many", "--kid", "k", "--customer-id", customer)).Expect(2);

        Assert.Equal(ids.Order(), revoked.Json["revoked"]!.AsArray().Select(i => i!.GetValue<string>()).Order());
        Assert.Equal(revoked.Json["feed_version"]!.GetValue<long>() - 2, revoked.Json["first_feed_version"]!.GetValue<long>());
        Assert.Equal(revoked.Json["revoked"]!.ToJsonString(), retried.Json["revoked"]!.ToJsonString());
        Assert.Empty(byIds.Json["revoked"]!.AsArray());
        Assert.Equal([ids[0], ids[1]], byIds.Json["already_revoked"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Contains("nothing was revoked", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("--customer-id", neither.Stderr, StringComparison.Ordinal);
        Assert.Contains("no license signed by key '0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f'", unknownKid.Stderr, StringComparison.Ordinal);
        Assert.Contains("--kid", twoSelections.Stderr, StringComparison.Ordinal);
        var status = (await _online.RunAsync("license", "status", ids[2], "--output-format", "json")).Expect(0);
        Assert.True(status.Json["revoked"]!.GetValue<bool>());
    }

    [Fact]
    public async Task invalid_terms_are_a_usage_error_naming_each_field()
    {
        var result = (await _online.RunAsync("license", "issue", "--customer-id", "c", "--customer-name", "n", "--product", "Not A Product!", "--audience", "a", "--duration", "30")).Expect(2);

        Assert.Contains("terms.product", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unknown_license_is_a_usage_error()
    {
        var result = (await _online.RunAsync("license", "get", "0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f")).Expect(2);

        Assert.Contains("not found", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("[LICENSE_NOT_FOUND]", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_refusal_carries_the_services_reason_in_json()
    {
        var result = (await _online.RunAsync("license", "get", "0193a9a0-1b2c-7d3e-8f40-5a6b7c8d9e0f", "--output-format", "json")).Expect(2);

        var error = System.Text.Json.Nodes.JsonNode.Parse(result.Stdout)!;
        Assert.Equal("LICENSE_NOT_FOUND", (string?)error["reason"]);
        Assert.Equal(2, (int?)error["exit_code"]);
    }

    [Fact]
    public async Task calls_without_a_client_key_are_refused_with_what_to_do()
    {
        var anonymous = new Ledgerctl(_online.Files.Directory).With("LEDGER_ISSUANCE_URL", ledger.Issuance.GrpcUrl);

        var result = (await anonymous.RunAsync("license", "count")).Expect(2);

        Assert.Contains("LEDGER_CLIENT_KEY", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_client_key_made_by_keygen_client_authenticates_with_its_roles()
    {
        var auditor = new Ledgerctl(_online.Files.Directory).With("LEDGER_ISSUANCE_URL", ledger.Issuance.GrpcUrl);

        (await auditor.RunAsync("license", "count", "--client-key", ledger.AuditorKeyFile)).Expect(0);
        var refused = (await auditor.With("LEDGER_CLIENT_KEY", ledger.AuditorKeyFile).RunAsync("license", "issue", "--customer-id", "c", "--customer-name", "n",
            "--product", "flux-enterprise", "--audience", "a", "--duration", "30")).Expect(2);

        Assert.Contains("does not allow this client", refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unreachable_service_is_a_server_error()
    {
        var result = (await _online.RunAsync("license", "count", "--server", "http://127.0.0.1:9", "--timeout", "5")).Expect(3);

        Assert.Contains("is unavailable", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _online.Dispose();
}
