using System.Text.Json;
using Ledger.Contracts.Attestation.V1;
using Ledger.Crypto;

namespace Ledger.Attestation.Tests.Features;

/// <summary>A manifest directory on disk, hashed locally as ledgerctl would, and a clean-up when done.</summary>
public sealed class ManifestDirectory : IDisposable
{
    public static readonly string[] Ignore = [".sig", ".md"];

    public ManifestDirectory()
    {
        Write("kustomization.yaml", "resources:\n- deployment.yaml\n- service/service.yaml\n");
        Write("deployment.yaml", "kind: Deployment\nmetadata:\n  name: app\n");
        Write("service/service.yaml", "kind: Service\nmetadata:\n  name: app\n");
        Write("README.md", "How to apply these manifests.\n");
        Write("deployment.yaml.sig", "signature bytes\n");
    }

    public string Path { get; } = Directory.CreateTempSubdirectory("ledger-manifest-").FullName;

    public string Hash() => DirectoryHash.Compute(Path, Ignore);

    public void Write(string relative, string content)
    {
        var file = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

public sealed class AttestingManifestsTests(LedgerWithAttestation ledger) : IClassFixture<LedgerWithAttestation>
{
    private async Task<Contracts.Attestation.V1.Attestation> AttestAsync(ManifestDirectory directory) =>
        (await ledger.Attestations.AttestManifestAsync(new AttestManifestRequest
        {
            IdempotencyKey = LedgerWithAttestation.NewKey(),
            Name = "acme/platform-manifests v1.4.0",
            Digest = directory.Hash(),
            Ignore = { ManifestDirectory.Ignore },
        })).Attestation;

    private Task<VerifyResponse> VerifyAsync(Contracts.Attestation.V1.Attestation attestation, ManifestDirectory directory) =>
        ledger.Attestations.VerifyAsync(new VerifyRequest { Attestation = attestation.SignedStatement, ManifestDigest = directory.Hash() }).ResponseAsync;

    [Fact]
    public async Task the_statement_carries_the_digest_and_the_ignore_list()
    {
        using var directory = new ManifestDirectory();

        var attestation = await AttestAsync(directory);

        using var statement = JsonDocument.Parse(Jws.Verify(attestation.SignedStatement, await ledger.FetchJwksAsync()).Payload);
        var manifest = statement.RootElement.GetProperty("manifest");
        Assert.Equal("manifest", statement.RootElement.GetProperty("kind").GetString());
        Assert.Equal(directory.Hash(), manifest.GetProperty("digest").GetString());
        Assert.StartsWith("h1:", manifest.GetProperty("digest").GetString());
        Assert.Equal(ManifestDirectory.Ignore, manifest.GetProperty("ignore").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("acme/platform-manifests v1.4.0", manifest.GetProperty("name").GetString());
        Assert.Equal(AttestationKind.Manifest, attestation.Kind);
        Assert.Equal([directory.Hash()], attestation.Subjects);
        Assert.Equal(ManifestDirectory.Ignore, attestation.Manifest.Ignore);
        var stored = await ledger.Attestations.GetAttestationAsync(new GetAttestationRequest { AttestationId = attestation.AttestationId });
        Assert.Equal(attestation, stored.Attestation);
    }

    [Fact]
    public async Task the_unchanged_directory_verifies()
    {
        using var directory = new ManifestDirectory();
        var attestation = await AttestAsync(directory);

        var verdict = await VerifyAsync(attestation, directory);

        Assert.Equal(Verdict.Valid, verdict.Verdict);
    }

    [Fact]
    public async Task a_directory_with_one_file_changed_fails()
    {
        using var directory = new ManifestDirectory();
        var attestation = await AttestAsync(directory);
        var attested = directory.Hash();

        directory.Write("service/service.yaml", "kind: Service\nmetadata:\n  name: app-evil\n");
        var verdict = await VerifyAsync(attestation, directory);

        Assert.Equal(Verdict.SubjectMismatch, verdict.Verdict);
        Assert.Contains("acme/platform-manifests v1.4.0", verdict.Detail);
        Assert.Contains(directory.Hash(), verdict.Detail);
        Assert.Contains(".sig, .md", verdict.Detail);
        var finding = Assert.Single(verdict.Findings);
        Assert.Equal(SubjectMatch.DigestDiffers, finding.Match);
        Assert.Equal([attested], finding.AttestedDigests);
    }

    [Fact]
    public async Task an_added_file_fails_but_a_changed_ignored_file_does_not()
    {
        using var directory = new ManifestDirectory();
        var attestation = await AttestAsync(directory);

        directory.Write("deployment.yaml.sig", "a newer signature\n");
        directory.Write("CHANGELOG.md", "notes\n");
        Assert.Equal(Verdict.Valid, (await VerifyAsync(attestation, directory)).Verdict);

        directory.Write("extra.yaml", "kind: ConfigMap\n");
        Assert.Equal(Verdict.SubjectMismatch, (await VerifyAsync(attestation, directory)).Verdict);
    }

    [Fact]
    public async Task artifacts_checked_against_a_manifest_attestation_are_reported_missing()
    {
        using var directory = new ManifestDirectory();
        var attestation = await AttestAsync(directory);
        var artifact = $"ghcr.io/acme/app@{Vendor.Digest("app")}";

        var verdict = await ledger.VerifyAsync(attestation.SignedStatement, artifact);

        Assert.Equal(Verdict.SubjectMismatch, verdict.Verdict);
        Assert.Contains("not artifacts", verdict.Detail);
        Assert.Equal(SubjectMatch.Missing, Assert.Single(verdict.Findings).Match);
    }
}
