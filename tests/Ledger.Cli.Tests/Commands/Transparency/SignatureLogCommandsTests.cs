using System.Text.Json.Nodes;
using Ledger.Cli.Tests.Support;
using Ledger.Testing;

namespace Ledger.Cli.Tests.Commands.Transparency;

/// <summary>The signature log from ledgerctl against the running services: listing, receipts, and offline receipt verification.</summary>
[Collection(RunningLedgerCollection.Name)]
public sealed class SignatureLogCommandsTests(RunningLedger ledger) : IDisposable
{
    private readonly OnlineWorkspace _online = new(ledger);

    [Fact]
    public async Task a_license_key_with_its_receipt_and_notarys_checkpoint_verifies_and_a_smaller_checkpoint_is_refused_afterwards()
    {
        var first = await IssueAsync("first.jwt");
        (await _online.RunAsync("license", "get", first, "--receipt-file", "first.receipt.json")).Expect(0);
        var second = await IssueAsync("second.jwt");
        var got = (await _online.RunAsync("license", "get", second, "--receipt-file", "second.receipt.json", "--output-format", "json")).Expect(0);
        File.WriteAllText(_online["ledger.jwks"], (await _online.RunAsync("keys", "jwks")).Expect(0).Stdout);
        var checkpointUrl = $"{ledger.Notary.HttpUrl}/signature-log/checkpoint";

        var verified = (await _online.RunAsync("verify", "license-key", "second.jwt", "--key", "ledger.jwks", "--issuer", "ledger", "--audience", "acme-app", "--no-revocation-check",
            "--receipt", "second.receipt.json", "--checkpoint", checkpointUrl, "--require-receipt", "--state-dir", "state", "--output-format", "json")).Expect(0);

        Assert.Equal("Valid", verified.Json["status"]!.GetValue<string>());
        Assert.Equal("Valid", verified.Json["signature_log"]!["status"]!.GetValue<string>());
        Assert.Equal(got.Json["receipt"]!["index"]!.GetValue<long>(), verified.Json["signature_log"]!["log_index"]!.GetValue<long>());
        Assert.True(verified.Json["signature_log"]!["state_saved"]!.GetValue<bool>());

        // The first receipt's checkpoint is older than the one now stored: given as the checkpoint, it is refused.
        var firstReceipt = JsonNode.Parse(File.ReadAllText(_online["first.receipt.json"]))!;
        File.WriteAllText(_online["old.checkpoint"], firstReceipt["checkpoint"]!.GetValue<string>());
        var refused = await _online.RunAsync("verify", "license-key", "first.jwt", "--key", "ledger.jwks", "--issuer", "ledger", "--audience", "acme-app", "--no-revocation-check",
            "--receipt", "first.receipt.json", "--checkpoint", "old.checkpoint", "--state-dir", "state", "--output-format", "json");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Equal("CheckpointInconsistent", refused.Json["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_required_receipt_that_is_missing_or_belongs_to_another_license_is_refused()
    {
        await IssueAsync("license.jwt");
        var other = await IssueAsync("other.jwt");
        (await _online.RunAsync("license", "get", other, "--receipt-file", "other.receipt.json")).Expect(0);
        File.WriteAllText(_online["ledger.jwks"], (await _online.RunAsync("keys", "jwks")).Expect(0).Stdout);

        var missing = await _online.RunAsync("verify", "license-key", "license.jwt", "--key", "ledger.jwks", "--issuer", "ledger", "--audience", "acme-app", "--no-revocation-check", "--require-receipt", "--state-dir", "state", "--output-format", "json");
        var foreign = await _online.RunAsync("verify", "license-key", "license.jwt", "--key", "ledger.jwks", "--issuer", "ledger", "--audience", "acme-app", "--no-revocation-check", "--receipt", "other.receipt.json", "--state-dir", "state", "--output-format", "json");

        Assert.Equal("ReceiptMissing", missing.Json["status"]!.GetValue<string>());
        Assert.Equal("NotInLog", foreign.Json["status"]!.GetValue<string>());
        Assert.NotEqual(0, foreign.ExitCode);
    }

    [Fact]
    public async Task keys_signatures_lists_the_one_signature_of_a_license()
    {
        var id = await IssueAsync("license.jwt");

        var listed = (await _online.RunAsync("keys", "signatures", "--subject", id, "--output-format", "json")).Expect(0);

        var entry = Assert.Single(listed.Json["signatures"]!.AsArray())!;
        Assert.Equal(("license", "issuance"), (entry["purpose"]!.GetValue<string>(), entry["client"]!.GetValue<string>()));
    }

    [Fact]
    public async Task the_audit_names_a_license_key_signed_behind_the_ledgers_back_with_a_stolen_service_key()
    {
        var issued = await IssueAsync("license.jwt");
        // A thief holding Issuance's client key asks Notary directly: Notary signs (the payload passes
        // every rule) and logs it, but no license event records it.
        var stolen = new Contracts.Notary.V1.Signing.SigningClient(ledger.Channel(ledger.Notary, TestClients.Issuance));
        var forged = SignRequests.LicenseClaims();
        var signed = await stolen.SignAsync(SignRequests.License(forged));

        var audit = await _online.RunAsync("admin", "audit-signatures", "--output-format", "json");

        Assert.Equal(1, audit.ExitCode);
        var unmatched = audit.Json["unmatched"]!.AsArray();
        var named = Assert.Single(unmatched, u => u!["subject"]!.GetValue<string>() == forged.LicenseId.ToString())!;
        Assert.Equal((signed.LogIndex, "issuance", "license"), (named["index"]!.GetValue<long>(), named["client"]!.GetValue<string>(), named["purpose"]!.GetValue<string>()));
        Assert.Contains("never issued", named["problem"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(unmatched, u => u!["subject"]!.GetValue<string>() == issued);
    }

    public void Dispose() => _online.Dispose();

    private async Task<string> IssueAsync(string keyFile)
    {
        var issued = (await _online.RunAsync("license", "issue", "--customer-id", "cust-log", "--customer-name", "Log Corp", "--product", "flux-enterprise",
            "--audience", "acme-app", "--capabilities", "sso", "--duration", "30", "--license-key-file", keyFile, "--output-format", "json")).Expect(0);
        return issued.Json["license_id"]!.GetValue<string>();
    }
}
