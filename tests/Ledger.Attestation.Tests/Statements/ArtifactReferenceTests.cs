using Ledger.Attestation.Statements;
using Ledger.Crypto;

namespace Ledger.Attestation.Tests.Statements;

public sealed class ArtifactReferenceTests
{
    private static readonly string Digest = Vendor.Digest("artifact");

    public static TheoryData<string, string, string?> Valid => new()
    {
        { $"ghcr.io/acme/app:1.4.0@{Digest}", "ghcr.io/acme/app", "1.4.0" },
        { $"ghcr.io/acme/app@{Digest}", "ghcr.io/acme/app", null },
        { $"registry.example.com:5000/team/app:v2@{Digest}", "registry.example.com:5000/team/app", "v2" },
        { $"localhost/app@{Digest}", "localhost/app", null },
        { $"localhost:5000/app:latest@{Digest}", "localhost:5000/app", "latest" },
        { $"nginx@{Digest}", "nginx", null },
        { $"acme/app__x/y-z.w:Tag_1.0-rc@{Digest}", "acme/app__x/y-z.w", "Tag_1.0-rc" },
        { $"Registry.Example.com/acme/app@{Digest}", "Registry.Example.com/acme/app", null },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void references_with_digests_parse_into_repository_tag_and_digest(string text, string repository, string? tag)
    {
        Assert.True(ArtifactReference.TryParse(text, out var reference, out var problem), problem);

        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(Digest, reference.Digest);
        Assert.Equal(text, reference.ToString());
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "ghcr.io/acme/app:1.4.0", "tag but no digest" },
        { "ghcr.io/acme/app", "has no digest" },
        { $"ghcr.io/acme/app@{Digest[..^1]}", "exactly 64 lowercase hex" },
        { $"ghcr.io/acme/app@{Digest}0", "exactly 64 lowercase hex" },
        { $"ghcr.io/acme/app@sha256:{new string('G', 64)}", "exactly 64 lowercase hex" },
        { $"ghcr.io/acme/app@{Digest.ToUpperInvariant().Replace("SHA256", "sha256", StringComparison.Ordinal)}", "some uppercase" },
        { $"ghcr.io/acme/app@sha512:{new string('a', 128)}", "'sha512' is not accepted" },
        { $"ghcr.io/acme/app@{Digest[7..]}", "is not accepted" },
        { $"ghcr.io/Acme/app@{Digest}", "not an OCI name" },
        { $"ghcr.io/acme//app@{Digest}", "not an OCI name" },
        { $"ghcr.io/acme/app-@{Digest}", "not an OCI name" },
        { $"-bad.io/acme/app@{Digest}", "not an OCI name" },
        { $"ghcr.io:port/acme/app@{Digest}", "not an OCI name" },
        { $"@{Digest}", "not an OCI name" },
        { $"ghcr.io/acme/app:@{Digest}", "not an OCI tag" },
        { $"ghcr.io/acme/app:.hidden@{Digest}", "not an OCI tag" },
        { $"ghcr.io/acme/app:{new string('t', 129)}@{Digest}", "not an OCI tag" },
        { $"ghcr.io/acme/app\n@{Digest}", "not an OCI name" },
        { $"ghcr.io/acme/app@{Digest}\n", "exactly 64" },
        { $"ghcr.io/{new string('a', 260)}@{Digest}", "not an OCI name" },
        { $"ghcr.io/{new string('a', 600)}@{Digest}", "at most 512 characters" },
        { "", "required" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void malformed_references_are_refused_saying_why(string text, string reason)
    {
        Assert.False(ArtifactReference.TryParse(text, out _, out var problem));

        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void problems_do_not_echo_long_or_control_laden_input()
    {
        Assert.False(ArtifactReference.TryParse("ghcr.io/acme/app:1\u0007" + new string('x', 300), out _, out var problem));

        Assert.DoesNotContain("\u0007", problem, StringComparison.Ordinal);
        Assert.True(problem.Length < 400, problem);
    }

    [Fact]
    public void duplicate_subjects_and_retagged_digests_are_named()
    {
        var problems = new List<(string Field, string Problem)>();
        var app = $"ghcr.io/acme/app:1@{Digest}";

        var parsed = SubjectRules.Artifacts([app, $"ghcr.io/acme/app@{Digest}", $"ghcr.io/acme/app:1@{Vendor.Digest("other")}", $"ghcr.io/acme/app:2@{Vendor.Digest("other")}"],
            "artifacts", (f, p) => problems.Add((f, p)));

        Assert.Equal(["artifacts[1]", "artifacts[2]"], problems.Select(p => p.Field));
        Assert.Contains("duplicates artifacts[0]", problems[0].Problem, StringComparison.Ordinal);
        Assert.Contains("tag '1'", problems[1].Problem, StringComparison.Ordinal);
        Assert.Equal(2, parsed.Count);
    }

    [Fact]
    public void manifest_digests_are_go_dirhash_h1_values()
    {
        Assert.True(SubjectRules.IsManifestDigest("h1:" + Convert.ToBase64String(new byte[32])));
        Assert.True(SubjectRules.IsManifestDigest("h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
        Assert.False(SubjectRules.IsManifestDigest("h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"));
        Assert.False(SubjectRules.IsManifestDigest("h1:" + Convert.ToBase64String(new byte[33])));
        Assert.False(SubjectRules.IsManifestDigest("h2:" + Convert.ToBase64String(new byte[32])));
        Assert.False(SubjectRules.IsManifestDigest("h1:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="));
        Assert.False(SubjectRules.IsManifestDigest(Digest));
    }
}
