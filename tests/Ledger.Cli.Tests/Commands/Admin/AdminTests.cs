using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;

namespace Ledger.Cli.Tests.Commands.Admin;

/// <summary><c>admin projections|rebuild|export|verify-export</c> against the running services.</summary>
[Collection(RunningLedgerCollection.Name)]
public sealed class AdminTests(RunningLedger ledger) : IDisposable
{
    private readonly OnlineWorkspace _online = new(ledger);

    [Fact]
    public async Task an_export_of_issuance_verifies_and_every_license_event_type_replays_to_the_state_the_service_keeps()
    {
        var (renewed, revoked) = await LicensesWithEveryEventAsync();

        var exported = (await _online.RunAsync("admin", "export", "--service", "issuance", "--output", "issuance.ndjson", "--output-format", "json")).Expect(0);
        var verified = (await _online.RunAsync("admin", "verify-export", "issuance.ndjson", "--output-format", "json")).Expect(0);

        Assert.True(exported.Json["events"]!.GetValue<long>() >= 5);
        Assert.True(verified.Json["valid"]!.GetValue<bool>());
        Assert.Equal("issuance", verified.Json["service"]!.GetValue<string>());
        Assert.Equal(exported.Json["events"]!.GetValue<long>(), verified.Json["events"]!.GetValue<long>());
        Assert.Equal(exported.Json["states"]!.GetValue<long>(), verified.Json["licenses_replayed"]!.GetValue<int>());
        var lines = (await File.ReadAllLinesAsync(_online["issuance.ndjson"])).Select(l => JsonNode.Parse(l)!).ToList();
        var types = lines.Where(l => Kind(l) == "event").Select(l => l["type"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "license_issued", "license_renewed", "license_capabilities_changed", "license_revocation_recorded" }, types);
        var revokedState = lines.Single(l => Kind(l) == "state" && l["id"]!.GetValue<string>() == revoked)["data"]!;
        Assert.True(revokedState["revoked"]!.GetValue<bool>());
        var renewedState = lines.Single(l => Kind(l) == "state" && l["id"]!.GetValue<string>() == renewed)["data"]!;
        Assert.Equal(3, renewedState["version"]!.GetValue<int>());

        var text = (await _online.RunAsync("admin", "verify-export", "issuance.ndjson")).Expect(0);
        Assert.Contains("Valid", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_tampered_export_is_refused_naming_what_is_wrong()
    {
        await LicensesWithEveryEventAsync();
        (await _online.RunAsync("admin", "export", "--service", "issuance", "--output", "original.ndjson")).Expect(0);
        var lines = (await File.ReadAllLinesAsync(_online["original.ndjson"])).ToList();
        var events = Enumerable.Range(0, lines.Count).Where(i => Kind(JsonNode.Parse(lines[i])!) == "event").ToList();

        var reordered = lines.ToList();
        (reordered[events[1]], reordered[events[2]]) = (reordered[events[2]], reordered[events[1]]);
        var reorderedResult = await VerifyAsync("reordered.ndjson", reordered, recomputeDigest: true);
        Assert.Contains("strictly increasing sequence order", reorderedResult.Stdout, StringComparison.Ordinal);

        var missing = lines.Where((_, i) => i != events[^1]).ToList();
        var missingResult = await VerifyAsync("missing.ndjson", missing, recomputeDigest: true);
        Assert.Contains("events but the file has", missingResult.Stdout, StringComparison.Ordinal);

        // Edited data with the digest rewritten to match, as someone covering their tracks would:
        // the license's own events no longer replay to the state the service recorded.
        var renewal = events.First(i => JsonNode.Parse(lines[i])!["type"]!.GetValue<string>() == "license_renewed");
        var edited = lines.ToList();
        var record = JsonNode.Parse(edited[renewal])!;
        record["data"]!["expiresAt"] = "2099-01-01T00:00:00+00:00";
        edited[renewal] = record.ToJsonString();
        var editedResult = await VerifyAsync("edited.ndjson", edited, recomputeDigest: true);
        Assert.Contains($"license {record["streamId"]!.GetValue<string>()}", editedResult.Stdout, StringComparison.Ordinal);
        Assert.Contains("expiresAt: replay gives \"2099-01-01T00:00:00+00:00\"", editedResult.Stdout, StringComparison.Ordinal);

        var unsealed = await VerifyAsync("unsealed.ndjson", edited, recomputeDigest: false);
        Assert.Contains("is not the digest of the lines before it", unsealed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task notarys_export_holds_its_signature_log_whose_checkpoint_verify_export_recomputes_and_an_edit_is_refused()
    {
        var (renewed, _) = await LicensesWithEveryEventAsync();
        // A receipt makes Notary sign a checkpoint covering the license's latest key.
        (await _online.RunAsync("license", "get", renewed, "--receipt")).Expect(0);

        var exported = (await _online.RunAsync("admin", "export", "--service", "notary", "--output", "notary.ndjson", "--output-format", "json")).Expect(0);
        var verified = (await _online.RunAsync("admin", "verify-export", "notary.ndjson", "--output-format", "json")).Expect(0);

        var lines = (await File.ReadAllLinesAsync(_online["notary.ndjson"])).ToList();
        var records = lines.Select(l => JsonNode.Parse(l)!).ToList();
        var signatures = records.Where(r => Kind(r) == "signature").ToList();
        // Issued, renewed, re-keyed: three license signatures about the renewed license, in the order they were made.
        Assert.Equal(3, signatures.Count(s => s["purpose"]!.GetValue<string>() == "license" && s["subject"]!.GetValue<string>() == renewed));
        Assert.Equal(Enumerable.Range(0, signatures.Count).Select(i => (long)i), signatures.Select(s => s["index"]!.GetValue<long>()));
        Assert.Equal(signatures.Count, records[0]["signatureCount"]!.GetValue<long>());
        Assert.Equal(signatures.Count, records[^1]["signatureCount"]!.GetValue<long>());
        Assert.Equal(signatures.Count, exported.Json["signatures"]!.GetValue<long>());
        var checkpoint = records.Single(r => Kind(r) == "checkpoint");
        Assert.Equal("checkpoint", Kind(records[^2]));
        Assert.True(checkpoint["treeSize"]!.GetValue<long>() > signatures.FindIndex(s => s["subject"]!.GetValue<string>() == renewed));
        Assert.True(verified.Json["valid"]!.GetValue<bool>());
        Assert.Equal(signatures.Count, verified.Json["signatures"]!.GetValue<long>());
        Assert.Equal(checkpoint["treeSize"]!.GetValue<long>(), verified.Json["checkpoint_size"]!.GetValue<long>());

        // Another service's export has no signature log.
        (await _online.RunAsync("admin", "export", "--service", "issuance", "--output", "issuance.ndjson")).Expect(0);
        Assert.Null(JsonNode.Parse((await File.ReadAllLinesAsync(_online["issuance.ndjson"]))[0])!["signatureCount"]);

        // An entry's subject changed: its leaf hash no longer matches.
        var first = lines.FindIndex(l => Kind(JsonNode.Parse(l)!) == "signature");
        var edited = lines.ToList();
        var entry = JsonNode.Parse(edited[first])!;
        entry["subject"] = Guid.NewGuid().ToString();
        edited[first] = entry.ToJsonString();
        var editedResult = await VerifyAsync("notary-edited.ndjson", edited, recomputeDigest: true);
        Assert.Contains("signature 0: its leafHash is not the hash of its members", editedResult.Stdout, StringComparison.Ordinal);

        // The leaf hash recomputed too, as someone covering their tracks would: the checkpoint's root no longer matches.
        entry["leafHash"] = Convert.ToHexStringLower(new Ledger.Verification.SignatureLogEntry(
            0, DateTimeOffset.Parse(entry["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
            entry["kid"]!.GetValue<string>(), entry["purpose"]!.GetValue<string>(), entry["client"]!.GetValue<string>(),
            entry["subject"]!.GetValue<string>(), Convert.FromHexString(entry["inputSha256"]!.GetValue<string>())).LeafHash());
        edited[first] = entry.ToJsonString();
        var rehashedResult = await VerifyAsync("notary-rehashed.ndjson", edited, recomputeDigest: true);
        Assert.Contains("the checkpoint's root hash is not the Merkle root of the first", rehashedResult.Stdout, StringComparison.Ordinal);

        // An entry removed: the indexes and the counts say so.
        var removed = lines.Where((_, i) => i != first).ToList();
        var removedResult = await VerifyAsync("notary-removed.ndjson", removed, recomputeDigest: true);
        Assert.Contains("signature index 1 where 0 was due", removedResult.Stdout, StringComparison.Ordinal);
        Assert.Contains("signatures but the file has", removedResult.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task projections_are_listed_and_rebuilt_and_an_unknown_name_is_refused_with_the_valid_ones()
    {
        await LicensesWithEveryEventAsync();

        var listed = (await _online.RunAsync("admin", "projections", "--service", "attestation", "--output-format", "json")).Expect(0);
        Assert.Equal(["attestations", "vendor-key-rings"], listed.Json["projections"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));

        var rebuilt = (await _online.RunAsync("admin", "rebuild", "licenses", "--service", "issuance", "--output-format", "json")).Expect(0);
        var licenses = rebuilt.Json["projections"]!.AsArray().Single()!;
        Assert.True(licenses["streams"]!.GetValue<long>() >= 2);
        Assert.Equal(0, licenses["documents_corrected"]!.GetValue<long>());
        (await _online.RunAsync("admin", "rebuild", "--all", "--service", "notary")).Expect(0);

        var unknown = (await _online.RunAsync("admin", "rebuild", "licences", "--service", "issuance")).Expect(2);
        Assert.Contains("no projection 'licences'", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("its projections are: licenses", unknown.Stderr, StringComparison.Ordinal);
        var neither = (await _online.RunAsync("admin", "rebuild", "--service", "issuance")).Expect(2);
        Assert.Contains("or give --all", neither.Stderr, StringComparison.Ordinal);
        var badService = (await _online.RunAsync("admin", "rebuild", "--all", "--service", "billing")).Expect(2);
        Assert.Contains("notary, issuance, revocation, attestation", badService.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_auditor_may_export_but_not_rebuild()
    {
        var auditor = _online.Tool.With("LEDGER_CLIENT_KEY", ledger.AuditorKeyFile);

        (await auditor.RunAsync("admin", "export", "--service", "revocation", "--output", "revocation.ndjson")).Expect(0);
        (await auditor.RunAsync("admin", "verify-export", "revocation.ndjson")).Expect(0);
        var refused = (await auditor.RunAsync("admin", "rebuild", "--all", "--service", "revocation")).Expect(2);

        Assert.Contains("does not allow this client", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("revocation.ndjson", Directory.GetFiles(_online.Files.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task an_export_never_overwrites_a_file_and_a_missing_export_is_a_usage_error()
    {
        _online.Files.Write("taken.ndjson", "keep me");

        var refused = (await _online.RunAsync("admin", "export", "--service", "notary", "--output", "taken.ndjson")).Expect(2);
        var missing = (await _online.RunAsync("admin", "verify-export", "nothing-here.ndjson")).Expect(2);

        Assert.Contains("already exists", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(_online["taken.ndjson"]));
        Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _online.Dispose();

    private static string? Kind(JsonNode line) => line["kind"]?.GetValue<string>();

    /// <summary>A license renewed and with changed capabilities, and a revoked one (recorded in Issuance); their ids.</summary>
    private async Task<(string Renewed, string Revoked)> LicensesWithEveryEventAsync()
    {
        async Task<string> IssueAsync(string customer) =>
            (await _online.RunAsync("license", "issue", "--customer-id", customer, "--customer-name", "Audit Corp", "--product", "flux-enterprise",
                "--audience", "acme-app", "--capabilities", "sso", "--duration", "30", "--output-format", "json")).Expect(0).Json["license_id"]!.GetValue<string>();

        var renewed = await IssueAsync("cust-audit-1");
        (await _online.RunAsync("license", "renew", renewed, "--duration", "60")).Expect(0);
        (await _online.RunAsync("license", "change-capabilities", renewed, "--capabilities", "sso,fips")).Expect(0);
        var revoked = await IssueAsync("cust-audit-2");
        await _online.EventuallyAsync("license", "revoke", revoked, "--reason", "key_compromise");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await _online.RunAsync("license", "get", revoked, "--output-format", "json")).Expect(0).Json["status"]!.GetValue<string>() != "revoked")
        {
            Assert.True(DateTime.UtcNow < deadline, "Issuance did not record the revocation within 60 s");
            await Task.Delay(250);
        }

        return (renewed, revoked);
    }

    private async Task<Ledgerctl.Result> VerifyAsync(string name, List<string> lines, bool recomputeDigest)
    {
        if (recomputeDigest)
        {
            var trailer = JsonNode.Parse(lines[^1])!;
            trailer["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(lines.SkipLast(1).Select(l => l + "\n")))));
            lines = [.. lines.SkipLast(1), trailer.ToJsonString()];
        }

        await File.WriteAllTextAsync(_online[name], string.Concat(lines.Select(l => l + "\n")));
        var result = (await _online.RunAsync("admin", "verify-export", name)).Expect(1);
        Assert.Contains("Refused", result.Stdout, StringComparison.Ordinal);
        return result;
    }
}
