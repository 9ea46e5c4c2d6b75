using Ledger.Cli.Tests.Support;
using Ledger.Testing;

namespace Ledger.Cli.Tests.Commands.Attest;

/// <summary><c>attest artifacts|manifest|verify|get|list|revoke</c> against the running Attestation service.</summary>
[Collection(RunningLedgerCollection.Name)]
public sealed class AttestTests(RunningLedger ledger) : IDisposable
{
    private static readonly string Digest1 = "sha256:" + new string('1', 64);
    private static readonly string Digest2 = "sha256:" + new string('2', 64);

    private readonly OnlineWorkspace _online = new(ledger);

    [Fact]
    public async Task attested_artifacts_verify_until_the_attestation_is_revoked()
    {
        var repository = $"ghcr.io/acme/app-{Guid.NewGuid():N}"[..32];
        var attested = (await _online.RunAsync("attest", "artifacts", "--url", $"{repository}:v1.0.0@{Digest1}", "--attestation", "release.att", "--output-format", "json")).Expect(0);
        var id = attested.Json["attestation_id"]!.GetValue<string>();
        Assert.Equal("valid", attested.Json["status"]!.GetValue<string>());
        Assert.True(File.Exists(_online["release.att"]));

        var valid = (await _online.RunAsync("attest", "verify", "--attestation", "release.att", "--url", $"{repository}@{Digest1}", "--output-format", "json")).Expect(0);
        Assert.Equal("valid", valid.Json["verdict"]!.GetValue<string>());

        var mismatch = (await _online.RunAsync("attest", "verify", "--attestation", "release.att", "--url", $"{repository}@{Digest2}", "--output-format", "json")).Expect(1);
        Assert.Equal("subject_mismatch", mismatch.Json["verdict"]!.GetValue<string>());
        Assert.Equal("digest_differs", mismatch.Json["findings"]![0]!["match"]!.GetValue<string>());

        var got = (await _online.RunAsync("attest", "get", id)).Expect(0);
        Assert.Contains($"Attestation {id} (artifacts, valid)", got.Stdout, StringComparison.Ordinal);

        var listed = (await _online.RunAsync("attest", "list", "--subject", $"{repository}:v1.0.0@{Digest1}", "--output-format", "json")).Expect(0);
        Assert.Equal([id], listed.Json["attestations"]!.AsArray().Select(a => a!["attestation_id"]!.GetValue<string>()));

        var revoked = (await _online.RunAsync("attest", "revoke", id, "--reason", "superseded", "--output-format", "json")).Expect(0);
        Assert.True(revoked.Json["newly_revoked"]!.GetValue<bool>());

        var afterRevocation = (await _online.RunAsync("attest", "verify", "--attestation", "release.att", "--url", $"{repository}@{Digest1}")).Expect(1);
        Assert.StartsWith("revoked:", afterRevocation.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_attested_manifest_directory_verifies_until_it_changes()
    {
        var directory = _online["deploy"];
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "deploy.yaml"), "kind: Deployment\n");

        var attested = (await _online.RunAsync("attest", "manifest", "deploy", "--name", "acme/platform v1.4.0", "--ignore", ".sig", "--attestation", "deploy/deploy.att", "--output-format", "json")).Expect(0);
        Assert.Equal(["deploy.att", ".sig"], attested.Json["manifest"]!["ignore"]!.AsArray().Select(i => i!.GetValue<string>()).Order(StringComparer.Ordinal).Reverse());

        (await _online.RunAsync("attest", "verify", "--attestation", "deploy/deploy.att", "--manifest", "deploy")).Expect(0);

        File.WriteAllText(Path.Combine(directory, "extra.yaml"), "kind: Secret\n");
        var changed = (await _online.RunAsync("attest", "verify", "--attestation", "deploy/deploy.att", "--manifest", "deploy", "--output-format", "json")).Expect(1);
        Assert.Equal("subject_mismatch", changed.Json["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_tag_is_resolved_by_its_registry_before_the_service_is_called_and_a_registry_that_is_down_is_a_server_error()
    {
        var result = (await _online.Tool.With("LEDGER_REGISTRY_MIRRORS", $"ghcr.io=http://127.0.0.1:{FreePorts.Next()}")
            .RunAsync("attest", "artifacts", "--url", "ghcr.io/acme/app:latest")).Expect(3);

        Assert.Contains("The registry ghcr.io cannot be reached", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _online.Dispose();
}
