namespace Ledger.Crypto.Tests.Artifacts;

/// <summary>The unpinned side of the shared OCI reference parser: names whose digest a registry is asked for.</summary>
public sealed class ArtifactReferenceNameTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("ghcr.io/fluxcd/source-controller:v1.6.2", "ghcr.io/fluxcd/source-controller", "v1.6.2", null)]
    [InlineData("127.0.0.1:5000/fluxcd/helm-controller:v1.3.0", "127.0.0.1:5000/fluxcd/helm-controller", "v1.3.0", null)]
    [InlineData("nginx", "nginx", null, null)]
    [InlineData("ghcr.io/acme/app:v1@" + Digest, "ghcr.io/acme/app", "v1", Digest)]
    public void a_name_parses_with_or_without_a_digest(string text, string repository, string? tag, string? digest)
    {
        Assert.True(ArtifactReference.TryParseName(text, out var parsedRepository, out var parsedTag, out var parsedDigest, out var problem), problem);

        Assert.Equal(repository, parsedRepository);
        Assert.Equal(tag, parsedTag);
        Assert.Equal(digest, parsedDigest);
    }

    [Fact]
    public void the_pinned_parser_still_refuses_a_tag_alone()
    {
        Assert.False(ArtifactReference.TryParse("ghcr.io/fluxcd/source-controller:v1.6.2", out _, out var problem));

        Assert.Contains("tag but no digest", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ghcr.io/Fluxcd/app:v1", "not an OCI name")]
    [InlineData("ghcr.io/fluxcd/app:.v1", "not an OCI tag")]
    [InlineData("ghcr.io/fluxcd/app@sha256:abc", "exactly 64 lowercase hex")]
    public void a_malformed_name_is_refused_saying_why(string text, string reason)
    {
        Assert.False(ArtifactReference.TryParseName(text, out _, out _, out _, out var problem));

        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ghcr.io/fluxcd/source-controller", "ghcr.io", "fluxcd/source-controller")]
    [InlineData("localhost:5000/app", "localhost:5000", "app")]
    [InlineData("acme/app", "docker.io", "acme/app")]
    [InlineData("nginx", "docker.io", "library/nginx")]
    public void the_registry_is_the_first_component_when_it_looks_like_a_host(string repository, string registry, string path)
    {
        Assert.Equal((registry, path), ArtifactReference.RegistryOf(repository));
    }
}
