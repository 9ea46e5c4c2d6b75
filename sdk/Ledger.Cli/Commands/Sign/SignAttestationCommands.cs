using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Attestations;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;

namespace Ledger.Cli.Commands.Sign;

/// <summary><c>ledgerctl sign manifests|artifacts</c>: offline attestations signed with the issuer's signing key.</summary>
internal static class SignAttestationCommands
{
    public static CliCommand Manifests()
    {
        var directory = new Argument<string>("DIR") { Description = "The manifest directory to attest." };
        var attestation = new Option<string>("--attestation") { Description = "Where to write the attestation (never overwritten). When it lies inside DIR its name is left out of the hash.", Required = true, HelpName = "FILE" };
        var ignore = new Option<string[]>("--ignore") { Description = $"File-name suffix to leave out of the hash (e.g. .sig); repeatable, at most {OfflineAttestation.MaxIgnore}.", HelpName = "SUFFIX" };
        var key = KeyMaterial.Option(KeyRole.SigningPrivate);
        var command = new CliCommand("manifests", "Attest a manifest directory: sign its h1 digest (Go dirhash) and the ignore list used.",
            "ledgerctl sign manifests ./deploy --key acme-sig.private.jwks --attestation deploy.attestation.jwt");
        command.Add(directory);
        foreach (var option in new Option[] { attestation, ignore, key })
        {
            command.Add(option);
        }

        command.Handle(run =>
        {
            var path = run.Get(attestation)!;
            LocalFiles.RefuseExisting(path, "Attestation file");
            var root = run.Get(directory)!;
            var suffixes = (run.Get(ignore) ?? []).ToList();
            if (IsInside(path, root) && !suffixes.Contains(Path.GetFileName(path)))
            {
                // Otherwise writing the attestation would change the digest it attests.
                suffixes.Add(Path.GetFileName(path));
            }

            if (suffixes.Count > OfflineAttestation.MaxIgnore || suffixes.Any(s => s.Length is 0 or > 64 || s.Contains('/')))
            {
                throw CliFailure.Usage($"--ignore takes at most {OfflineAttestation.MaxIgnore} file-name suffixes of 1-64 characters without '/'.");
            }

            var (signingKey, issuer) = KeyMaterial.SigningKey(run.Get(key));
            var digest = ManifestDigest.Compute(root, suffixes);
            var statement = OfflineAttestation.ForManifest(issuer, Now(), digest, suffixes);
            LocalFiles.WriteNew(path, statement.Sign(signingKey) + "\n", LocalFiles.PublicMode);
            var json = new JsonObject
            {
                ["kind"] = statement.Kind,
                ["directory"] = root,
                ["digest"] = digest,
                ["ignore"] = Json.Array(suffixes),
                ["issuer"] = issuer,
                ["kid"] = signingKey.Kid,
                ["attestation"] = path,
            };
            return Task.FromResult(run.Print(json, $"""
                Attested {root} as {digest} (issuer {issuer}); written to {path}.
                  ignored  {(suffixes.Count == 0 ? "(nothing)" : string.Join(", ", suffixes))}
                """));
        });
        return command;
    }

    public static CliCommand Artifacts()
    {
        var attestation = new Option<string>("--attestation") { Description = "Where to write the attestation (never overwritten).", Required = true, HelpName = "FILE" };
        var url = new Option<string[]>("--url") { Description = $"An artifact pinned by digest, registry/name[:tag]@sha256:<hex>; repeatable, at most {ArtifactReference.MaxCount}.", Required = true, HelpName = "REF@sha256:..." };
        var key = KeyMaterial.Option(KeyRole.SigningPrivate);
        var command = new CliCommand("artifacts", "Attest OCI artifacts by digest: sign the list of references.",
            "ledgerctl sign artifacts --key acme-sig.private.jwks --attestation release.attestation.jwt --url ghcr.io/acme/app:v1.0.0@sha256:<64 hex>");
        foreach (var option in new Option[] { attestation, url, key })
        {
            command.Add(option);
        }

        command.Handle(run =>
        {
            var path = run.Get(attestation)!;
            LocalFiles.RefuseExisting(path, "Attestation file");
            var artifacts = ArtifactReference.ParseAll(run.Get(url));
            var (signingKey, issuer) = KeyMaterial.SigningKey(run.Get(key));
            var statement = OfflineAttestation.ForArtifacts(issuer, Now(), artifacts);
            LocalFiles.WriteNew(path, statement.Sign(signingKey) + "\n", LocalFiles.PublicMode);
            var json = new JsonObject
            {
                ["kind"] = statement.Kind,
                ["artifacts"] = Json.Array(artifacts.Select(a => a.ToString())),
                ["issuer"] = issuer,
                ["kid"] = signingKey.Kid,
                ["attestation"] = path,
            };
            return Task.FromResult(run.Print(json, $"Attested {Plural.Of(artifacts.Count, "artifact")} (issuer {issuer}); written to {path}.\n" + string.Join("\n", artifacts.Select(a => $"  {a}"))));
        });
        return command;
    }

    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static bool IsInside(string file, string directory)
    {
        var root = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(file).StartsWith(root, StringComparison.Ordinal);
    }
}
