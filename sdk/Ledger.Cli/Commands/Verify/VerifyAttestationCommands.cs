using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Attestations;
using Ledger.Cli.Commands.Sign;
using Ledger.Cli.Keys;

namespace Ledger.Cli.Commands.Verify;

/// <summary><c>ledgerctl verify manifests|artifacts</c>: check an offline attestation (Flux claim set, or an older ledgerctl one) against what you hold.</summary>
internal static class VerifyAttestationCommands
{
    public static CliCommand Manifests()
    {
        var directory = new Argument<string>("DIR") { Description = "The manifest directory to check.", DefaultValueFactory = _ => "." };
        var attestation = SignAttestationCommands.AttestationOption("The attestation made by 'sign manifests': a file, or an http(s) URL.");
        var key = KeyMaterial.Option(KeyRole.SigningPublic);
        var command = new CliCommand("manifests", "Verify a manifest directory against its attestation: the signature and claims, then the h1 digest recomputed (leaving out the attestation file and any attested ignore list).",
            "ledgerctl verify manifests ./deploy --attestation deploy.jwt",
            "ledgerctl verify manifests ./deploy -k keys/bc530bc4-sig-public.jwks -a deploy.jwt");
        command.Add(directory);
        command.Add(attestation);
        command.Add(key);
        command.Handle(run =>
        {
            var root = run.Get(directory)!;
            var path = run.Get(attestation)!;
            var outcome = AttestationCheck.Verify(path, KeyMaterial.TrustedKeys(run.Get(key), KeyMaterial.AttestationPurpose), OfflineAttestation.ManifestsSubject, DateTimeOffset.UtcNow);
            if (outcome.Attestation is not { } statement)
            {
                return Task.FromResult(Report(run, outcome.Status, outcome.Detail, outcome, new JsonObject(), string.Empty));
            }

            var attested = statement.Digests[0];
            var excluded = IsInside(path, root) ? [.. statement.Ignore, Path.GetFileName(path)] : statement.Ignore;
            var actual = ManifestDigest.Compute(root, excluded);
            var matches = actual == attested;
            var detail = matches
                ? $"{root} matches the attestation ({attested}) signed by {statement.Issuer} at {Json.Time(statement.IssuedAt)}."
                : $"{root} hashes to {actual}, but the attestation says {attested}: a file was changed, added or removed since it was signed. Do not deploy it.";
            var details = new JsonObject { ["attested_digest"] = attested, ["actual_digest"] = actual, ["ignore"] = Json.Array(statement.Ignore) };
            var text = $"  attested  {attested}\n  actual    {actual}\n  ignored   {(statement.Ignore.Count == 0 ? "(nothing)" : string.Join(", ", statement.Ignore))}\n";
            return Task.FromResult(Report(run, matches ? "Valid" : "DigestMismatch", detail, outcome, details, text));
        });
        return command;
    }

    public static CliCommand Artifacts()
    {
        var attestation = SignAttestationCommands.AttestationOption("The attestation made by 'sign artifacts': a file, or an http(s) URL.");
        var url = ArtifactUrls.Option("An artifact you hold: registry/name:tag (resolved by the registry) or pinned with @sha256:<hex>. Repeatable or comma-separated; every digest must be in the attestation.");
        var timeout = ArtifactUrls.TimeoutOption();
        var key = KeyMaterial.Option(KeyRole.SigningPublic);
        var command = new CliCommand("artifacts", "Verify artifacts against an attestation: the signature and claims, then every --url's digest (tags resolved by the registry) must be among the attested digests.",
            "ledgerctl verify artifacts --attestation release.jwt --url ghcr.io/acme/app:v1.0.0",
            "ledgerctl verify artifacts -k keys/bc530bc4-sig-public.jwks -a release.jwt -u ghcr.io/acme/app@sha256:<64 hex>");
        command.Add(attestation);
        command.Add(url);
        command.Add(timeout);
        command.Add(key);
        command.Handle(async run =>
        {
            var held = await ArtifactUrls.PinAllAsync(run.Get(url), run.Get(timeout), run.Cancellation);
            var outcome = AttestationCheck.Verify(run.Get(attestation)!, KeyMaterial.TrustedKeys(run.Get(key), KeyMaterial.AttestationPurpose), OfflineAttestation.ArtifactsSubject, DateTimeOffset.UtcNow);
            if (outcome.Attestation is not { } statement)
            {
                return Report(run, outcome.Status, outcome.Detail, outcome, new JsonObject(), string.Empty);
            }

            var findings = new JsonArray();
            var text = new StringBuilder();
            var problems = 0;
            foreach (var artifact in held)
            {
                var covered = statement.Digests.Contains(artifact.Digest, StringComparer.Ordinal);
                problems += covered ? 0 : 1;
                findings.Add(new JsonObject { ["artifact"] = artifact.ToString(), ["digest"] = artifact.Digest, ["match"] = covered ? "covered" : "missing" });
                text.AppendLine(covered ? $"  covered  {artifact}" : $"  MISSING  {artifact} (its digest is not in the attestation)");
            }

            var detail = problems == 0
                ? $"{(held.Count == 1 ? "The artifact is" : $"All {held.Count} artifacts are")} attested by {statement.Issuer} (signed {Json.Time(statement.IssuedAt)})."
                : $"{problems} of {held.Count} artifacts are not covered by the attestation: their digests are not in it. Do not deploy them.";
            return Report(run, problems == 0 ? "Valid" : "SubjectMismatch", detail, outcome, new JsonObject { ["findings"] = findings }, text.ToString());
        });
        return command;
    }

    private static int Report(CommandRun run, string status, string detail, AttestationCheck.Outcome outcome, JsonObject details, string text)
    {
        var valid = status == "Valid";
        var json = new JsonObject
        {
            ["valid"] = valid,
            ["status"] = status,
            ["detail"] = detail,
            ["kid"] = outcome.Kid,
            ["issuer"] = outcome.Attestation?.Issuer,
            ["issued_at"] = Json.Time(outcome.Attestation?.IssuedAt),
        };
        foreach (var (name, value) in details.ToList())
        {
            details.Remove(name);
            json[name] = value;
        }

        return run.Print(json, $"{status}: {detail}\n{text}", valid ? ExitCodes.Success : ExitCodes.Refused);
    }

    private static bool IsInside(string file, string directory)
    {
        if (Files.RemoteFiles.IsUrl(file))
        {
            return false;
        }

        var root = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(file).StartsWith(root, StringComparison.Ordinal);
    }
}
