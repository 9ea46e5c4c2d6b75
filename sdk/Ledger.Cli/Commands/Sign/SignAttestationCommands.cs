using System.CommandLine;
using System.Text.Json.Nodes;
using Ledger.Cli.Attestations;
using Ledger.Cli.Files;
using Ledger.Cli.Keys;

namespace Ledger.Cli.Commands.Sign;

/// <summary><c>ledgerctl sign manifests|artifacts</c>: offline attestations in the Flux claim set, signed with the issuer's signing key.</summary>
internal static class SignAttestationCommands
{
    public static CliCommand Manifests()
    {
        var directory = new Argument<string>("DIR") { Description = "The manifest directory to attest.", DefaultValueFactory = _ => "." };
        var attestation = AttestationOption("Where to write the attestation (never overwritten). When it lies inside DIR it is left out of the hash.");
        var ignore = new Option<string[]>("--ignore") { Description = $"File-name suffix to leave out of the hash (e.g. .sig); repeatable, at most {OfflineAttestation.MaxIgnore}. Signed in the attestation's 'ignore' claim.", HelpName = "SUFFIX" };
        var key = KeyMaterial.Option(KeyRole.SigningPrivate);
        var command = new CliCommand("manifests", "Attest a manifest directory: sign its h1 digest (Go dirhash) in the Flux attestation claim set (sub 'manifests').",
            "ledgerctl sign manifests ./deploy --attestation deploy.jwt",
            "ledgerctl sign manifests ./deploy -k keys/bc530bc4-sig-private.jwks -a deploy.jwt");
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
            if (suffixes.Count > OfflineAttestation.MaxIgnore || suffixes.Any(s => s.Length is 0 or > 64 || s.Contains('/')))
            {
                throw CliFailure.Usage($"--ignore takes at most {OfflineAttestation.MaxIgnore} file-name suffixes of 1-64 characters without '/'.");
            }

            var (signingKey, issuer) = KeyMaterial.SigningKey(run.Get(key));
            // The attestation file itself is left out, as Flux does: writing it must not change the digest it attests.
            var hashed = IsInside(path, root) ? [.. suffixes, Path.GetFileName(path)] : suffixes;
            var digest = ManifestDigest.Compute(root, hashed);
            var statement = OfflineAttestation.ForManifests(issuer, Now(), digest, suffixes);
            LocalFiles.WriteNew(path, statement.Sign(signingKey) + "\n", LocalFiles.PublicMode);
            var json = new JsonObject
            {
                ["subject"] = statement.Subject,
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
        var attestation = AttestationOption("Where to write the attestation (never overwritten).");
        var url = ArtifactUrls.Option("An OCI artifact: registry/name:tag (resolved to its digest by the registry) or registry/name[:tag]@sha256:<hex>; an oci:// prefix is allowed. Repeatable or comma-separated.");
        var timeout = ArtifactUrls.TimeoutOption();
        var key = KeyMaterial.Option(KeyRole.SigningPrivate);
        var command = new CliCommand("artifacts", "Attest OCI artifacts: sign their digests in the Flux attestation claim set (sub 'artifacts'). Tags are resolved by asking the registry (Docker config credentials).",
            "ledgerctl sign artifacts --attestation release.jwt --url ghcr.io/acme/app:v1.0.0",
            "ledgerctl sign artifacts -a release.jwt -u ghcr.io/acme/app@sha256:<64 hex> -u ghcr.io/acme/worker:v1.0.0");
        foreach (var option in new Option[] { attestation, url, timeout, key })
        {
            command.Add(option);
        }

        command.Handle(async run =>
        {
            var path = run.Get(attestation)!;
            LocalFiles.RefuseExisting(path, "Attestation file");
            var (signingKey, issuer) = KeyMaterial.SigningKey(run.Get(key));
            var artifacts = await ArtifactUrls.PinAllAsync(run.Get(url), run.Get(timeout), run.Cancellation);
            var statement = OfflineAttestation.ForArtifacts(issuer, Now(), artifacts);
            LocalFiles.WriteNew(path, statement.Sign(signingKey) + "\n", LocalFiles.PublicMode);
            var json = new JsonObject
            {
                ["subject"] = statement.Subject,
                ["artifacts"] = Json.Array(artifacts.Select(a => a.ToString())),
                ["digests"] = Json.Array(statement.Digests),
                ["issuer"] = issuer,
                ["kid"] = signingKey.Kid,
                ["attestation"] = path,
            };
            return run.Print(json, $"Attested {Plural.Of(artifacts.Count, "artifact")} (issuer {issuer}); written to {path}.\n" + string.Join("\n", artifacts.Select(a => $"  {a}")));
        });
        return command;
    }

    public static Option<string> AttestationOption(string description) =>
        new("--attestation", "-a") { Description = description, Required = true, HelpName = "FILE" };

    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static bool IsInside(string file, string directory)
    {
        var root = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(file).StartsWith(root, StringComparison.Ordinal);
    }
}
