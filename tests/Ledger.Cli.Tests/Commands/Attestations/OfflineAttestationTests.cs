using System.Text;
using Ledger.Cli.Tests.Support;
using Ledger.Crypto;

namespace Ledger.Cli.Tests.Commands.Attestations;

/// <summary><c>sign|verify manifests</c> and <c>sign|verify artifacts</c> with the issuer's own keys, in the Flux attestation claim set.</summary>
public sealed class OfflineAttestationTests(IssuerWithKeys issuer) : IClassFixture<IssuerWithKeys>
{
    private const string Digest1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Digest2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private Workspace Workspace => issuer.Workspace;

    [Fact]
    public async Task a_signed_manifest_directory_verifies_until_a_file_changes()
    {
        var directory = Manifests();
        var attestation = Path.Combine(directory, "attestation.jwt");

        var signed = (await Workspace.RunAsync("sign", "manifests", directory, "--key", issuer.SigningPrivate, "--attestation", attestation, "--output-format", "json")).Expect(0);
        Assert.Empty(signed.Json["ignore"]!.AsArray());
        Assert.Equal(DirectoryHash.Compute(directory, ["attestation.jwt"]), signed.Json["digest"]!.GetValue<string>());

        var valid = (await Workspace.RunAsync("verify", "manifests", directory, "-k", issuer.SigningPublic, "-a", attestation, "--output-format", "json")).Expect(0);
        Assert.Equal("acme", valid.Json["issuer"]!.GetValue<string>());

        File.AppendAllText(Path.Combine(directory, "deploy.yaml"), "replicas: 100\n");
        var changed = (await Workspace.RunAsync("verify", "manifests", directory, "--key", issuer.SigningPublic, "--attestation", attestation, "--output-format", "json")).Expect(1);
        Assert.Equal("DigestMismatch", changed.Json["status"]!.GetValue<string>());
        Assert.NotEqual(changed.Json["attested_digest"]!.GetValue<string>(), changed.Json["actual_digest"]!.GetValue<string>());
    }

    [Fact]
    public async Task ignored_suffixes_are_signed_and_left_out_of_the_hash()
    {
        var directory = Manifests();
        var attestation = issuer.NewPath(".jwt");
        (await Workspace.RunAsync("sign", "manifests", directory, "--key", issuer.SigningPrivate, "--attestation", attestation, "--ignore", ".sig")).Expect(0);

        File.WriteAllText(Path.Combine(directory, "deploy.yaml.sig"), "a signature added later");

        (await Workspace.RunAsync("verify", "manifests", directory, "--key", issuer.SigningPublic, "--attestation", attestation)).Expect(0);
    }

    [Fact]
    public async Task a_manifest_attestation_from_another_key_or_altered_is_refused()
    {
        var directory = Manifests();
        var attestation = issuer.NewPath(".jwt");
        (await Workspace.RunAsync("sign", "manifests", directory, "--key", issuer.SigningPrivate, "--attestation", attestation)).Expect(0);

        var unknown = (await Workspace.RunAsync("verify", "manifests", directory, "--key", issuer.OtherSigningPublic, "--attestation", attestation, "--output-format", "json")).Expect(1);
        Assert.Equal("UnknownKey", unknown.Json["status"]!.GetValue<string>());

        var parts = File.ReadAllText(attestation).Trim().Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.Decode(parts[1])).Replace("\"digests\":[", "\"ignore\":[\".yaml\"],\"digests\":[", StringComparison.Ordinal);
        File.WriteAllText(attestation, $"{parts[0]}.{Base64Url.Encode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}");
        var altered = (await Workspace.RunAsync("verify", "manifests", directory, "--key", issuer.SigningPublic, "--attestation", attestation, "--output-format", "json")).Expect(1);
        Assert.Equal("BadSignature", altered.Json["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task artifacts_verify_by_digest_as_flux_does_and_the_verdict_names_every_missing_one()
    {
        var attestation = issuer.NewPath(".jwt");
        (await Workspace.RunAsync("sign", "artifacts", "-k", issuer.SigningPrivate, "-a", attestation,
            "-u", $"ghcr.io/acme/app:v1.0.0@{Digest1}", "-u", $"oci://ghcr.io/acme/charts/app@{Digest1}")).Expect(0);

        (await Workspace.RunAsync("verify", "artifacts", "--key", issuer.SigningPublic, "--attestation", attestation, "--url", $"ghcr.io/acme/app@{Digest1}")).Expect(0);

        var result = (await Workspace.RunAsync("verify", "artifacts", "--key", issuer.SigningPublic, "--attestation", attestation, "--output-format", "json",
            "--url", $"ghcr.io/acme/app:v1.0.0@{Digest1},ghcr.io/acme/charts/app@{Digest2}")).Expect(1);
        Assert.Equal("SubjectMismatch", result.Json["status"]!.GetValue<string>());
        var findings = result.Json["findings"]!.AsArray().Select(f => f!["match"]!.GetValue<string>()).ToList();
        Assert.Equal(["covered", "missing"], findings);
    }

    [Theory]
    [InlineData("ghcr.io/acme/app@sha256:123", "exactly 64 lowercase hex")]
    [InlineData("ghcr.io/Acme/app:v1", "not an OCI name")]
    public async Task a_malformed_reference_is_a_usage_error_saying_why(string reference, string reason)
    {
        var attestation = issuer.NewPath(".jwt");

        var result = (await Workspace.RunAsync("sign", "artifacts", "--key", issuer.SigningPrivate, "--attestation", attestation, "--url", reference)).Expect(2);

        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(attestation));
    }

    [Fact]
    public async Task a_manifest_attestation_is_not_accepted_as_an_artifacts_attestation()
    {
        var attestation = issuer.NewPath(".jwt");
        (await Workspace.RunAsync("sign", "manifests", Manifests(), "--key", issuer.SigningPrivate, "--attestation", attestation)).Expect(0);

        (await Workspace.RunAsync("verify", "artifacts", "--key", issuer.SigningPublic, "--attestation", attestation, "--url", $"ghcr.io/acme/app@{Digest1}")).Expect(1);
    }

    private string Manifests()
    {
        var root = issuer.NewPath(".d");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "deploy.yaml"), "kind: Deployment\n");
        return root;
    }
}
