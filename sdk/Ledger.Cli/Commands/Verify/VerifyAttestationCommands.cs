using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.Cli.Attestations;
using Ledger.Cli.Keys;

namespace Ledger.Cli.Commands.Verify;

/// <summary><c>ledgerctl verify manifests|artifacts</c>: check an offline attestation against what you hold.</summary>
internal static class VerifyAttestationCommands
{
    public static CliCommand Manifests()
    {
        var directory = new Argument<string>("DIR") { Description = "The manifest directory to check." };
        var attestation = new Option<string>("--attestation") { Description = "The attestation made by 'sign manifests'.", Required = true, HelpName = "FILE" };
        var key = KeyMaterial.Option(KeyRole.SigningPublic);
        var command = new CliCommand("manifests", "Verify a manifest directory against its attestation: the signature, then the h1 digest recomputed with the attested ignore list.",
            "ledgerctl verify manifests ./deploy --key acme-sig.public.jwks --attestation deploy.attestation.jwt");
        command.Add(directory);
        command.Add(attestation);
        command.Add(key);
        command.Handle(run =>
        {
            var root = run.Get(directory)!;
            var outcome = AttestationCheck.Verify(run.Get(attestation)!, KeyMaterial.TrustedKeys(run.Get(key)), OfflineAttestation.ManifestKind);
            if (outcome.Attestation is not { } statement)
            {
                return Task.FromResult(Report(run, outcome.Status, outcome.Detail, outcome, new JsonObject(), string.Empty));
            }

            var actual = ManifestDigest.Compute(root, statement.Ignore);
            var matches = actual == statement.Digest;
            var detail = matches
                ? $"{root} matches the attestation ({statement.Digest}) signed by {statement.Issuer} at {Json.Time(statement.IssuedAt)}."
                : $"{root} hashes to {actual}, but the attestation says {statement.Digest}: a file was changed, added or removed since it was signed. Do not deploy it.";
            var details = new JsonObject { ["attested_digest"] = statement.Digest, ["actual_digest"] = actual, ["ignore"] = Json.Array(statement.Ignore) };
            var text = $"  attested  {statement.Digest}\n  actual    {actual}\n  ignored   {(statement.Ignore.Count == 0 ? "(nothing)" : string.Join(", ", statement.Ignore))}\n";
            return Task.FromResult(Report(run, matches ? "Valid" : "DigestMismatch", detail, outcome, details, text));
        });
        return command;
    }

    public static CliCommand Artifacts()
    {
        var attestation = new Option<string>("--attestation") { Description = "The attestation made by 'sign artifacts'.", Required = true, HelpName = "FILE" };
        var url = new Option<string[]>("--url") { Description = "An artifact you hold, pinned by digest; repeatable. Each must be attested with the same digest.", Required = true, HelpName = "REF@sha256:..." };
        var key = KeyMaterial.Option(KeyRole.SigningPublic);
        var command = new CliCommand("artifacts", "Verify artifacts against an attestation: the signature, then every --url by repository and digest (missing or different digests are named).",
            "ledgerctl verify artifacts --key acme-sig.public.jwks --attestation release.attestation.jwt --url ghcr.io/acme/app:v1.0.0@sha256:<64 hex>");
        command.Add(attestation);
        command.Add(url);
        command.Add(key);
        command.Handle(run =>
        {
            var held = ArtifactReference.ParseAll(run.Get(url));
            var outcome = AttestationCheck.Verify(run.Get(attestation)!, KeyMaterial.TrustedKeys(run.Get(key)), OfflineAttestation.ArtifactsKind);
            if (outcome.Attestation is not { } statement)
            {
                return Task.FromResult(Report(run, outcome.Status, outcome.Detail, outcome, new JsonObject(), string.Empty));
            }

            var findings = new JsonArray();
            var text = new StringBuilder();
            var problems = 0;
            foreach (var artifact in held)
            {
                var sameRepository = statement.Artifacts.Where(a => a.Repository == artifact.Repository).ToList();
                var match = sameRepository.Any(a => a.Digest == artifact.Digest) ? "covered" : sameRepository.Count > 0 ? "digest_differs" : "missing";
                problems += match == "covered" ? 0 : 1;
                findings.Add(new JsonObject
                {
                    ["artifact"] = artifact.ToString(),
                    ["match"] = match,
                    ["attested_digests"] = Json.Array(sameRepository.Select(a => a.Digest).Distinct()),
                });
                text.AppendLine(match switch
                {
                    "covered" => $"  covered         {artifact}",
                    "digest_differs" => $"  DIGEST DIFFERS  {artifact} (attested: {string.Join(", ", sameRepository.Select(a => a.Digest).Distinct())})",
                    _ => $"  MISSING         {artifact} (the attestation does not mention {artifact.Repository})",
                });
            }

            var detail = problems == 0
                ? $"{(held.Count == 1 ? "The artifact is" : $"All {held.Count} artifacts are")} attested by {statement.Issuer} (signed {Json.Time(statement.IssuedAt)})."
                : $"{problems} of {held.Count} artifacts are not covered by the attestation: they are missing from it or have another digest. Do not deploy them.";
            return Task.FromResult(Report(run, problems == 0 ? "Valid" : "SubjectMismatch", detail, outcome, new JsonObject { ["findings"] = findings }, text.ToString()));
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
}
