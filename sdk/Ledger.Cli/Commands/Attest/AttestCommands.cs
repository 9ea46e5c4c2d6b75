using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Cli.Attestations;
using Ledger.Cli.Files;
using Ledger.Cli.Online;
using Ledger.Contracts.Attestation.V1;
using Ledger.Crypto;
using AttestationsClient = Ledger.Contracts.Attestation.V1.Attestations.AttestationsClient;

namespace Ledger.Cli.Commands.Attest;

/// <summary>
/// <c>ledgerctl attest artifacts|manifest|countersign|verify|get|list|revoke</c>: attestations
/// recorded in the ledger and signed by Notary, through the Attestation service.
/// </summary>
internal static class AttestCommands
{
    private const long MaxStatementBytes = 256 * 1024;

    /// <summary>How long a tag-only --url may wait for its registry.</summary>
    private const int RegistryTimeoutSeconds = 30;

    public static Command Create()
    {
        var attest = new CliCommand("attest", "Attestations in the ledger (signed by Notary): attest artifacts or a manifest directory, verify, inspect, revoke. (Offline: 'sign artifacts|manifests'.)",
            "ledgerctl attest artifacts --url ghcr.io/acme/app:v1.0.0@sha256:<64 hex> --attestation release.att");
        attest.Add(Artifacts());
        attest.Add(Manifest());
        attest.Add(Countersign());
        attest.Add(Verify());
        attest.Add(Get());
        attest.Add(List());
        attest.Add(Revoke());
        return attest;
    }

    private static Option<string> AttestationOutput() =>
        new("--attestation") { Description = "Also write the signed statement to this file (never overwritten), to hand to verifiers.", HelpName = "FILE" };

    private static Option<string> ExpiresAt() =>
        new("--expires-at") { Description = "When the attestation stops being valid (ISO 8601; at most 10 years ahead). Default: never.", HelpName = "TIME" };

    private static CliCommand Artifacts()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var url = new Option<string[]>("--url") { Description = "An OCI artifact: registry/name:tag (resolved to its digest by asking the registry, with Docker config credentials; $LEDGER_REGISTRY_MIRRORS names mirrors) or registry/name[:tag]@sha256:<hex>; repeatable or comma-separated (1-256).", Required = true, HelpName = "REF" };
        var expiresAt = ExpiresAt();
        var output = AttestationOutput();
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("artifacts", "Attest OCI artifacts by digest; Notary signs the statement.",
            "ledgerctl attest artifacts --url ghcr.io/acme/app:v1.0.0@sha256:<64 hex> --attestation release.att");
        foreach (var option in new Option[] { url, expiresAt, output, idempotencyKey })
        {
            command.Add(option);
        }

        online.AddTo(command);
        command.Handle(async run =>
        {
            RefuseExistingOutput(run, output);
            var request = new AttestArtifactsRequest { IdempotencyKey = IdempotencyKeys.Resolve(run, idempotencyKey) };
            request.Artifacts.AddRange((await ArtifactUrls.PinAllAsync(run.Get(url), RegistryTimeoutSeconds, run.Cancellation)).Select(a => a.ToString()));
            if (run.Get(expiresAt) is { Length: > 0 } expiry)
            {
                request.ExpiresAt = ProtoValues.ParseTime(expiry, "--expires-at");
            }

            using var connection = online.Connect(run);
            var response = await new AttestationsClient(connection.Channel).AttestArtifactsAsync(request, connection.Call());
            return Print(run, response.Attestation, output);
        });
        return command;
    }

    private static CliCommand Manifest()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var directory = new Argument<string>("DIR") { Description = "The manifest directory; its h1 digest is computed here and attested." };
        var name = new Option<string>("--name") { Description = "What the directory is, e.g. 'acme/platform-manifests v1.4.0'.", Required = true };
        var ignore = new Option<string[]>("--ignore") { Description = "File-name suffix to leave out of the hash (e.g. .sig); repeatable. An --attestation file inside DIR is left out too.", HelpName = "SUFFIX" };
        var expiresAt = ExpiresAt();
        var output = AttestationOutput();
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("manifest", "Attest a manifest directory by its h1 digest (Go dirhash) and ignore list; Notary signs the statement.",
            "ledgerctl attest manifest ./deploy --name 'acme/platform-manifests v1.4.0' --attestation deploy.att");
        command.Add(directory);
        foreach (var option in new Option[] { name, ignore, expiresAt, output, idempotencyKey })
        {
            command.Add(option);
        }

        online.AddTo(command);
        command.Handle(async run =>
        {
            RefuseExistingOutput(run, output);
            var root = run.Get(directory)!;
            var suffixes = (run.Get(ignore) ?? []).ToList();
            if (run.Get(output) is { Length: > 0 } file && Path.GetFullPath(file).StartsWith(Path.GetFullPath(root).TrimEnd('/') + "/", StringComparison.Ordinal) && !suffixes.Contains(Path.GetFileName(file)))
            {
                suffixes.Add(Path.GetFileName(file));
            }

            var request = new AttestManifestRequest
            {
                IdempotencyKey = IdempotencyKeys.Resolve(run, idempotencyKey),
                Name = run.Get(name),
                Digest = ManifestDigest.Compute(root, suffixes),
                Ignore = { suffixes },
            };
            if (run.Get(expiresAt) is { Length: > 0 } expiry)
            {
                request.ExpiresAt = ProtoValues.ParseTime(expiry, "--expires-at");
            }

            using var connection = online.Connect(run);
            var response = await new AttestationsClient(connection.Channel).AttestManifestAsync(request, connection.Call());
            return Print(run, response.Attestation, output);
        });
        return command;
    }

    private static CliCommand Countersign()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var statement = new Option<string>("--statement") { Description = "The statement your vendor key signed: a compact JWS, typ attestation+jwt, kid = the registered key's thumbprint.", Required = true, HelpName = "FILE" };
        var output = AttestationOutput();
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("countersign", "Have Notary countersign a statement signed with a registered vendor key; the result carries both signatures.",
            "ledgerctl attest countersign --statement vendor-statement.jws --attestation dual.att");
        foreach (var option in new Option[] { statement, output, idempotencyKey })
        {
            command.Add(option);
        }

        online.AddTo(command);
        command.Handle(async run =>
        {
            RefuseExistingOutput(run, output);
            var request = new CountersignRequest
            {
                IdempotencyKey = IdempotencyKeys.Resolve(run, idempotencyKey),
                Statement = LocalFiles.ReadText(run.Get(statement)!, MaxStatementBytes, "statement file").Trim(),
            };
            using var connection = online.Connect(run);
            var response = await new AttestationsClient(connection.Channel).CountersignAsync(request, connection.Call());
            return Print(run, response.Attestation, output);
        });
        return command;
    }

    private static CliCommand Verify()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var attestation = new Option<string>("--attestation") { Description = "The attestation as you received it (compact JWS or JWS JSON).", Required = true, HelpName = "FILE" };
        var url = new Option<string[]>("--url") { Description = "For an artifacts attestation: an artifact you hold, registry/name:tag (resolved to its digest by asking the registry, with Docker config credentials; $LEDGER_REGISTRY_MIRRORS names mirrors) or registry/name[:tag]@sha256:<hex>; repeatable or comma-separated.", HelpName = "REF" };
        var manifest = new Option<string>("--manifest") { Description = "For a manifest attestation: the directory you hold (hashed here with the attestation's ignore list).", HelpName = "DIR" };
        var command = new CliCommand("verify", "Ask the ledger to verify an attestation: signatures, vendor key, revocation, expiry, and your artifacts or directory. Exit 1 unless valid.",
            "ledgerctl attest verify --attestation release.att --url ghcr.io/acme/app:v1.0.0@sha256:<64 hex>",
            "ledgerctl attest verify --attestation deploy.att --manifest ./deploy");
        command.Add(attestation);
        command.Add(url);
        command.Add(manifest);
        online.AddTo(command);
        command.Handle(async run =>
        {
            if (!run.Given(url) && !run.Given(manifest))
            {
                throw CliFailure.Usage("Say what you hold: --url REF (repeatable) for an artifacts attestation, or --manifest DIR for a manifest attestation.");
            }

            var text = LocalFiles.ReadText(run.Get(attestation)!, MaxStatementBytes, "attestation file").Trim();
            var request = new VerifyRequest { Attestation = text };
            if (run.Get(url) is { Length: > 0 } urls)
            {
                request.Artifacts.AddRange((await ArtifactUrls.PinAllAsync(urls, RegistryTimeoutSeconds, run.Cancellation)).Select(a => a.ToString()));
            }

            if (run.Get(manifest) is { Length: > 0 } directory)
            {
                request.ManifestDigest = ManifestDigest.Compute(directory, ManifestIgnoreList(text));
            }

            using var connection = online.Connect(run);
            var response = await new AttestationsClient(connection.Channel).VerifyAsync(request, connection.Call());
            var valid = response.Verdict == Verdict.Valid;
            var json = new JsonObject
            {
                ["valid"] = valid,
                ["verdict"] = ProtoValues.Name(response.Verdict),
                ["detail"] = response.Detail,
                ["attestation_id"] = response.AttestationId,
                ["manifest_digest"] = request.ManifestDigest.Length > 0 ? request.ManifestDigest : null,
                ["findings"] = new JsonArray([.. response.Findings.Select(f => (JsonNode)new JsonObject
                {
                    ["subject"] = f.Subject,
                    ["match"] = ProtoValues.Name(f.Match),
                    ["attested_digests"] = Json.Array(f.AttestedDigests),
                })]),
            };
            // The service's detail may already open with the verdict ("Valid: ..."); say it once.
            var verdictName = ProtoValues.Name(response.Verdict);
            var detail = response.Detail.StartsWith(verdictName.Replace("_", string.Empty, StringComparison.Ordinal) + ":", StringComparison.OrdinalIgnoreCase)
                ? response.Detail[(response.Detail.IndexOf(':', StringComparison.Ordinal) + 1)..].TrimStart()
                : response.Detail;
            var output = new StringBuilder($"{verdictName}: {detail}\n");
            foreach (var finding in response.Findings)
            {
                output.AppendLine($"  {ProtoValues.Name(finding.Match),-15} {finding.Subject}{(finding.AttestedDigests.Count > 0 && finding.Match != SubjectMatch.Covered ? $" (attested: {string.Join(", ", finding.AttestedDigests)})" : string.Empty)}");
            }

            return run.Print(json, output.ToString(), valid ? ExitCodes.Success : ExitCodes.Refused);
        });
        return command;
    }

    private static CliCommand Get()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var id = new Argument<string>("ATTESTATION_ID") { Description = "The attestation id." };
        var output = AttestationOutput();
        var command = new CliCommand("get", "Show one attestation and its signed statement.", "ledgerctl attest get <id> --attestation release.att");
        command.Add(id);
        command.Add(output);
        online.AddTo(command);
        command.Handle(async run =>
        {
            RefuseExistingOutput(run, output);
            using var connection = online.Connect(run);
            var response = await new AttestationsClient(connection.Channel).GetAttestationAsync(new GetAttestationRequest { AttestationId = run.Get(id) }, connection.Call());
            return Print(run, response.Attestation, output);
        });
        return command;
    }

    private static CliCommand List()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var vendor = new Option<string>("--vendor-id") { Description = "Only attestations dual-signed by this vendor." };
        var kind = new Option<string>("--kind") { Description = "Only 'artifacts' or 'manifest'." };
        kind.CompletionSources.Add("artifacts", "manifest");
        var subject = new Option<string>("--subject") { Description = "Only attestations with this exact subject (a reference as attested, or an h1 digest)." };
        var pageSize = new Option<int>("--page-size") { Description = "Attestations per page (1-200).", DefaultValueFactory = _ => 50 };
        var pageToken = new Option<string>("--page-token") { Description = "Continue from a previous page's next_page_token." };
        var all = new Option<bool>("--all") { Description = "Follow every page to the end." };
        var command = new CliCommand("list", "List attestations, newest first.", "ledgerctl attest list --kind artifacts --all");
        foreach (var option in new Option[] { vendor, kind, subject, pageSize, pageToken, all })
        {
            command.Add(option);
        }

        online.AddTo(command);
        command.Handle(async run =>
        {
            var kindFilter = run.Get(kind) is { Length: > 0 } k ? ProtoValues.ParseName<AttestationKind>(k, "--kind") : AttestationKind.Unspecified;
            using var connection = online.Connect(run);
            var client = new AttestationsClient(connection.Channel);
            var found = new List<Attestation>();
            var token = run.Get(pageToken) ?? string.Empty;
            do
            {
                var page = await client.ListAttestationsAsync(
                    new ListAttestationsRequest { VendorId = run.Get(vendor) ?? string.Empty, Kind = kindFilter, Subject = run.Get(subject) ?? string.Empty, PageSize = run.Get(pageSize), PageToken = token },
                    connection.Call());
                found.AddRange(page.Attestations);
                token = page.NextPageToken;
            }
            while (run.Get(all) && token.Length > 0);

            var text = new StringBuilder(found.Count == 0 ? "No attestations.\n" : string.Empty);
            foreach (var attestation in found)
            {
                text.AppendLine($"{attestation.AttestationId}  {ProtoValues.Name(attestation.Kind),-9}  {ProtoValues.Name(attestation.Status),-7}  {ProtoValues.TimeText(attestation.IssuedAt)}  {string.Join(" ", attestation.Subjects)}");
            }

            if (token.Length > 0)
            {
                text.AppendLine($"More: --page-token {token} (or --all)");
            }

            return run.Print(new JsonObject { ["attestations"] = new JsonArray([.. found.Select(a => (JsonNode)View(a))]), ["next_page_token"] = token }, text.ToString());
        });
        return command;
    }

    private static CliCommand Revoke()
    {
        var online = new OnlineOptions(LedgerService.Attestation);
        var id = new Argument<string>("ATTESTATION_ID") { Description = "The attestation to withdraw." };
        var reason = new Option<string>("--reason") { Description = $"RFC 5280 reason: {string.Join(", ", ProtoValues.Names<AttestationRevocationReason>())}.", DefaultValueFactory = _ => "unspecified" };
        reason.CompletionSources.Add(ProtoValues.Names<AttestationRevocationReason>());
        var comment = new Option<string>("--comment") { Description = "Free text kept in the ledger (not in feeds), at most 500 characters." };
        var idempotencyKey = IdempotencyKeys.Option();
        var command = new CliCommand("revoke", "Withdraw an attestation (final); it is listed in the signed feeds.",
            "ledgerctl attest revoke <id> --reason superseded");
        command.Add(id);
        foreach (var option in new Option[] { reason, comment, idempotencyKey })
        {
            command.Add(option);
        }

        online.AddTo(command);
        command.Handle(async run =>
        {
            var request = new RevokeAttestationRequest
            {
                IdempotencyKey = IdempotencyKeys.Resolve(run, idempotencyKey),
                AttestationId = run.Get(id),
                Reason = run.Get(reason) is { Length: > 0 } named && named != "unspecified" ? ProtoValues.ParseName<AttestationRevocationReason>(named, "--reason") : AttestationRevocationReason.Unspecified,
                Comment = run.Get(comment) ?? string.Empty,
            };
            using var connection = online.Connect(run);
            var response = await new AttestationsClient(connection.Channel).RevokeAttestationAsync(request, connection.Call());
            var json = View(response.Attestation);
            json["newly_revoked"] = response.NewlyRevoked;
            return run.Print(json, response.NewlyRevoked
                ? $"Revoked attestation {response.Attestation.AttestationId} ({response.Attestation.RevocationReason})."
                : $"Attestation {response.Attestation.AttestationId} was already revoked ({response.Attestation.RevocationReason}); nothing changed.");
        });
        return command;
    }

    private static void RefuseExistingOutput(CommandRun run, Option<string> output)
    {
        if (run.Get(output) is { Length: > 0 } file)
        {
            LocalFiles.RefuseExisting(file, "Attestation file");
        }
    }

    private static int Print(CommandRun run, Attestation attestation, Option<string> output)
    {
        var file = run.Get(output);
        if (file is { Length: > 0 })
        {
            LocalFiles.WriteNew(file, attestation.SignedStatement + "\n", LocalFiles.PublicMode);
        }

        var json = View(attestation);
        json["attestation_file"] = file;
        var text = new StringBuilder();
        text.AppendLine($"Attestation {attestation.AttestationId} ({ProtoValues.Name(attestation.Kind)}, {ProtoValues.Name(attestation.Status)})");
        foreach (var subject in attestation.Subjects)
        {
            text.AppendLine($"  subject     {subject}");
        }

        if (attestation.Manifest is { } manifest)
        {
            text.AppendLine($"  manifest    {manifest.Name} (ignoring {(manifest.Ignore.Count == 0 ? "nothing" : string.Join(", ", manifest.Ignore))})");
        }

        text.AppendLine($"  issued      {ProtoValues.TimeText(attestation.IssuedAt)} by {attestation.RequestedBy}, signed by {attestation.NotaryKid}");
        text.AppendLine($"  expires     {(attestation.ExpiresAt is null ? "never" : ProtoValues.TimeText(attestation.ExpiresAt))}");
        if (attestation.VendorId.Length > 0)
        {
            text.AppendLine($"  vendor      {attestation.VendorId} (key {attestation.VendorKid})");
        }

        if (attestation.RevokedAt is not null)
        {
            text.AppendLine($"  revoked     {ProtoValues.TimeText(attestation.RevokedAt)} ({attestation.RevocationReason})");
        }

        text.AppendLine(file is { Length: > 0 } ? $"  written to  {file}" : $"  statement   {attestation.SignedStatement}");
        return run.Print(json, text.ToString());
    }

    private static JsonObject View(Attestation attestation) => new()
    {
        ["attestation_id"] = attestation.AttestationId,
        ["kind"] = ProtoValues.Name(attestation.Kind),
        ["status"] = ProtoValues.Name(attestation.Status),
        ["subjects"] = Json.Array(attestation.Subjects),
        ["manifest"] = attestation.Manifest is null ? null : new JsonObject
        {
            ["name"] = attestation.Manifest.Name,
            ["digest"] = attestation.Manifest.Digest,
            ["ignore"] = Json.Array(attestation.Manifest.Ignore),
        },
        ["vendor_id"] = attestation.VendorId,
        ["vendor_kid"] = attestation.VendorKid,
        ["notary_kid"] = attestation.NotaryKid,
        ["issued_at"] = ProtoValues.Time(attestation.IssuedAt),
        ["expires_at"] = ProtoValues.Time(attestation.ExpiresAt),
        ["revoked_at"] = ProtoValues.Time(attestation.RevokedAt),
        ["revocation_reason"] = attestation.RevocationReason,
        ["requested_by"] = attestation.RequestedBy,
        ["signed_statement"] = attestation.SignedStatement,
    };

    /// <summary>
    /// The ignore list inside a manifest statement, read without verifying: it only says which files
    /// to hash. The service checks the signature, and a digest computed over other files fails there.
    /// </summary>
    private static IReadOnlyList<string> ManifestIgnoreList(string attestation)
    {
        try
        {
            var payload = attestation.StartsWith('{')
                ? JsonNode.Parse(attestation)?["payload"]?.GetValue<string>()
                : attestation.Split('.') is { Length: 3 } parts ? parts[1] : null;
            var statement = payload is null ? null : JsonNode.Parse(Base64Url.Decode(payload));
            return statement?["manifest"]?["ignore"]?.AsArray().Select(i => i!.GetValue<string>()).ToList() ?? [];
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return [];
        }
    }
}
