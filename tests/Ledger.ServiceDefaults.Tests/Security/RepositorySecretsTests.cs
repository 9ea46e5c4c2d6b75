using System.Text.RegularExpressions;

namespace Ledger.ServiceDefaults.Tests.Security;

/// <summary>No private key ships in the repository (or in an image built from it): only test vectors may hold one.</summary>
public sealed partial class RepositorySecretsTests
{
    [Fact]
    public void the_repository_holds_no_private_jwk_outside_test_vectors()
    {
        var root = RepositoryRoot();
        var offenders = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(path => !Excluded(Path.GetRelativePath(root, path)))
            .Where(path => new FileInfo(path).Length < 2_000_000)
            .Where(path => PrivateJwk().Matches(File.ReadAllText(path)).Any(m => !PublishedVectorKeys.Contains(m.Groups["d"].Value)))
            .Select(path => Path.GetRelativePath(root, path))
            .ToList();

        Assert.True(offenders.Count == 0, "Private JWKs (a 'd' member) found in: " + string.Join(", ", offenders));
        Assert.True(Directory.Exists(Path.Combine(root, "services")), "the scan must run over the real tree");
    }

    [Fact]
    public void the_scan_recognises_a_private_jwk()
    {
        Assert.Matches(PrivateJwk(), """{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}""");
        Assert.DoesNotMatch(PrivateJwk(), """{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""");
    }

    /// <summary>Private keys printed in RFCs for everyone to test with; they protect nothing.</summary>
    private static readonly HashSet<string> PublishedVectorKeys =
    [
        "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", // RFC 8037 A.1
    ];

    private static bool Excluded(string relative)
    {
        var parts = relative.Split(Path.DirectorySeparatorChar);
        return parts.Any(p => p is ".git" or "bin" or "obj" or ".ledger" or ".cluster" or "node_modules")
            // Published test vectors (RFC 8037, Wycheproof, the JOSE cookbook) carry their own private keys on purpose.
            || (parts.Length > 2 && parts[0] == "tests" && parts[2] == "Vectors");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, ".git")) && !File.Exists(Path.Combine(directory.FullName, "Ledger.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("\"d\"\\s*:\\s*\"(?<d>[A-Za-z0-9_-]{40,})\"")]
    private static partial Regex PrivateJwk();
}
