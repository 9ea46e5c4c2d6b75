using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Ledger.Cli.Exports;
using Ledger.Cli.Files;
using Ledger.Cli.Online;
using Ledger.Contracts.Admin.V1;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;

namespace Ledger.Cli.Commands.Admin;

/// <summary><c>ledgerctl admin projections|rebuild|export|verify-export|audit-signatures</c>: replay and audit of a service's event store and of Notary's signature log.</summary>
internal static class AdminCommands
{
    public static Command Create()
    {
        var admin = new CliCommand("admin", "Replay and audit: list and rebuild a service's projections, export its events for an auditor, verify an export offline.",
            "ledgerctl admin rebuild --all --service issuance",
            "ledgerctl admin export --service issuance --output issuance.ndjson",
            "ledgerctl admin verify-export issuance.ndjson");
        admin.Add(Projections());
        admin.Add(Rebuild());
        admin.Add(Export());
        admin.Add(VerifyExport());
        admin.Add(AuditSignatures());
        return admin;
    }

    private static Option<string> ServiceOption()
    {
        var option = new Option<string>("--service")
        {
            Description = $"The service whose event store to use: {string.Join(", ", LedgerService.All.Select(s => s.Name))}.",
            Required = true,
            HelpName = "SERVICE",
        };
        option.CompletionSources.Add([.. LedgerService.All.Select(s => s.Name)]);
        return option;
    }

    private static OnlineOptions Online(Option<string> service) => new(run =>
    {
        var name = run.Get(service);
        return LedgerService.All.FirstOrDefault(s => s.Name == name)
            ?? throw CliFailure.Usage($"--service '{name}' is not a Ledger service; use one of {string.Join(", ", LedgerService.All.Select(s => s.Name))}.");
    });

    private static CliCommand Projections()
    {
        var service = ServiceOption();
        var online = Online(service);
        var command = new CliCommand("projections", "List the service's projections: their names (to rebuild by), the events they fold, and how many documents they hold.",
            "ledgerctl admin projections --service attestation");
        command.Add(service);
        online.AddTo(command);
        command.Handle(async run =>
        {
            using var connection = online.Connect(run);
            var response = await new AdminClient(connection.Channel).ListProjectionsAsync(new ListProjectionsRequest(), connection.Call());
            var text = new StringBuilder();
            foreach (var projection in response.Projections)
            {
                text.AppendLine($"{projection.Name,-18}  {Plural.Of(projection.Documents, "document"),-16}  from {string.Join(", ", projection.EventTypes)}");
            }

            return run.Print(new JsonObject
            {
                ["service"] = run.Get(service),
                ["projections"] = new JsonArray([.. response.Projections.Select(p => (JsonNode)new JsonObject
                {
                    ["name"] = p.Name,
                    ["documents"] = p.Documents,
                    ["event_types"] = new JsonArray([.. p.EventTypes.Select(t => (JsonNode)JsonValue.Create(t))]),
                })]),
            }, text.ToString());
        });
        return command;
    }

    private static CliCommand Rebuild()
    {
        var service = ServiceOption();
        var online = Online(service);
        var names = new Argument<string[]>("PROJECTION") { Description = "Projections to rebuild (ledgerctl admin projections lists them); or give --all.", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Rebuild every projection of the service." };
        var command = new CliCommand("rebuild",
            "Rebuild projections from the event streams while the service keeps answering: every stream is folded again into a shadow table, which replaces the live one in a short transaction. Prints the documents corrected. Needs the key-admin role.",
            "ledgerctl admin rebuild licenses --service issuance",
            "ledgerctl admin rebuild --all --service attestation");
        command.Add(names);
        command.Add(all);
        command.Add(service);
        online.AddTo(command);
        online.Timeout.DefaultValueFactory = _ => 600;
        command.Handle(async run =>
        {
            var chosen = run.Get(names) ?? [];
            if (run.Get(all) == chosen.Length > 0)
            {
                throw CliFailure.Usage(run.Get(all)
                    ? "Give projection names or --all, not both."
                    : "Name the projections to rebuild, or give --all. 'ledgerctl admin projections --service ...' lists them.");
            }

            using var connection = online.Connect(run);
            var request = new RebuildProjectionsRequest { All = run.Get(all) };
            request.Projections.AddRange(chosen);
            var response = await new AdminClient(connection.Channel).RebuildProjectionsAsync(request, connection.Call());
            var text = new StringBuilder();
            foreach (var rebuilt in response.Projections)
            {
                text.AppendLine($"Rebuilt {rebuilt.Name}: {Plural.Of(rebuilt.Streams, "stream")} folded, "
                    + (rebuilt.DocumentsCorrected == 0 ? "every document already matched its stream" : $"{Plural.Of(rebuilt.DocumentsCorrected, "document")} corrected")
                    + $", in {rebuilt.ElapsedMs} ms.");
            }

            return run.Print(new JsonObject
            {
                ["service"] = run.Get(service),
                ["projections"] = new JsonArray([.. response.Projections.Select(p => (JsonNode)new JsonObject
                {
                    ["name"] = p.Name,
                    ["streams"] = p.Streams,
                    ["documents_corrected"] = p.DocumentsCorrected,
                    ["elapsed_ms"] = p.ElapsedMs,
                })]),
            }, text.ToString());
        });
        return command;
    }

    private static CliCommand Export()
    {
        var service = ServiceOption();
        var online = Online(service);
        var output = new Option<string>("--output", "-o") { Description = "The NDJSON file to write (never overwritten).", Required = true, HelpName = "FILE" };
        var command = new CliCommand("export",
            "Write every event of the service, in sequence order, and the current state of its projections as NDJSON (docs/EXPORT.md), from one consistent snapshot. Private key material is never included. Needs key-admin or auditor.",
            "ledgerctl admin export --service issuance --output issuance.ndjson");
        command.Add(service);
        command.Add(output);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var path = run.Get(output)!;
            LocalFiles.RefuseExisting(path, "Export file");
            using var connection = online.Connect(run);
            using var call = new AdminClient(connection.Channel).ExportEvents(new ExportEventsRequest(), connection.Stream(run.Cancellation));
            ExportTrailer trailer;
            try
            {
                await using var file = LocalFiles.CreateNew(path, LocalFiles.PrivateMode);
                trailer = await ExportFormat.WriteAsync(call.ResponseStream.ReadAllAsync(run.Cancellation), file, run.Cancellation);
            }
            catch (Exception e) when (e is RpcException or CliFailure or IOException or OperationCanceledException)
            {
                // An incomplete export must not look like one: remove what was written.
                File.Delete(path);
                throw;
            }

            var exported = new JsonObject
            {
                ["service"] = run.Get(service),
                ["file"] = path,
                ["events"] = trailer.EventCount,
                ["states"] = trailer.StateCount,
                ["highest_sequence"] = trailer.HighestSequence,
            };
            var signatures = "";
            if (trailer.HasSignatureCount)
            {
                exported["signatures"] = trailer.SignatureCount;
                signatures = $", {Plural.Of(trailer.SignatureCount, "signature log entry", "signature log entries")}";
            }

            return run.Print(exported, $"Exported {run.Get(service)}: {Plural.Of(trailer.EventCount, "event")} (up to sequence {trailer.HighestSequence}){signatures} and {Plural.Of(trailer.StateCount, "state")} to {path}.\nCheck it with: ledgerctl admin verify-export {path}");
        });
        return command;
    }

    private static CliCommand VerifyExport()
    {
        var file = new Argument<string>("FILE") { Description = "An export written by 'ledgerctl admin export'." };
        var command = new CliCommand("verify-export",
            "Check an export offline: header and trailer, digest and counts, sequence order (gaps are reported: appends that rolled back), contiguous stream versions, that every license's events replay to its recorded state, and in Notary's export every signature log entry's leaf hash and the checkpoint's Merkle root. Exit 0 valid, 1 refused.",
            "ledgerctl admin verify-export issuance.ndjson");
        command.Add(file);
        command.Handle(async run =>
        {
            var path = run.Get(file)!;
            if (!File.Exists(path))
            {
                throw CliFailure.Usage($"Export file {path} does not exist. Check the path.");
            }

            ExportReport report;
            await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                report = await ExportVerification.VerifyAsync(stream, run.Cancellation);
            }

            var gaps = report.Gaps.Count == 0
                ? "no sequence gaps"
                : $"{Plural.Of(report.Gaps.Count, "sequence gap")} (rolled-back appends, allowed): {string.Join(", ", report.Gaps.Take(5).Select(g => g.Before - g.After == 2 ? $"{g.After + 1}" : $"{g.After + 1}-{g.Before - 1}"))}{(report.Gaps.Count > 5 ? ", ..." : "")}";
            var log = report.Signatures == 0 && report.CheckpointSize is null
                ? ""
                : $"; {Plural.Of(report.Signatures, "signature log entry", "signature log entries")}" +
                  (report.CheckpointSize is { } size ? $", checkpoint of {size} recomputed" : ", no checkpoint");
            var text = new StringBuilder($"{path}: {report.Service ?? "unknown service"}, {Plural.Of(report.Events, "event")} in {Plural.Of(report.Streams, "stream")}, {Plural.Of(report.States, "state")}, up to sequence {report.HighestSequence}; {gaps}; {Plural.Of(report.LicensesReplayed, "license")} replayed{log}.\n");
            if (report.Valid)
            {
                text.Append("Valid: counts, order, versions and every replayed license match.");
            }
            else
            {
                text.Append($"Refused: {Plural.Of(report.Problems.Count, "problem")}:\n");
                foreach (var problem in report.Problems)
                {
                    text.Append($"  {problem}\n");
                }
            }

            var json = new JsonObject
            {
                ["valid"] = report.Valid,
                ["service"] = report.Service,
                ["events"] = report.Events,
                ["streams"] = report.Streams,
                ["states"] = report.States,
                ["highest_sequence"] = report.HighestSequence,
                ["gaps"] = new JsonArray([.. report.Gaps.Select(g => (JsonNode)new JsonObject { ["after"] = g.After, ["before"] = g.Before })]),
                ["licenses_replayed"] = report.LicensesReplayed,
                ["signatures"] = report.Signatures,
                ["checkpoint_size"] = report.CheckpointSize,
                ["problems"] = new JsonArray([.. report.Problems.Select(p => (JsonNode)JsonValue.Create(p))]),
            };
            return run.Print(json, text.ToString(), report.Valid ? ExitCodes.Success : ExitCodes.Refused);
        });
        return command;
    }

    private static CliCommand AuditSignatures()
    {
        var issuanceExport = new Option<string>("--issuance-export") { Description = "Issuance's export ('ledgerctl admin export --service issuance'). Default: export it now over gRPC.", HelpName = "FILE" };
        var revocationExport = new Option<string>("--revocation-export") { Description = "Revocation's export. Default: export it now over gRPC.", HelpName = "FILE" };
        var attestationExport = new Option<string>("--attestation-export") { Description = "Attestation's export. Default: export it now over gRPC.", HelpName = "FILE" };
        var clientKey = new Option<string>("--client-key") { Description = "Your client's private JWK (auditor or key-admin). Default: $LEDGER_CLIENT_KEY.", HelpName = "FILE" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each answer.", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };
        var command = new CliCommand("audit-signatures",
            "Replay Notary's signature log against the other services' records and name every signature without a matching ledger entry: a license key signed but never issued, a feed version the revocation log never reached, an attestation never recorded. Exit 0 when every signature is accounted for, 1 otherwise. Services are found through $LEDGER_<SERVICE>_URL. Needs auditor or key-admin.",
            "ledgerctl admin audit-signatures",
            "ledgerctl admin audit-signatures --issuance-export issuance.ndjson --revocation-export revocation.ndjson --attestation-export attestation.ndjson");
        foreach (var option in new Option[] { issuanceExport, revocationExport, attestationExport, clientKey, timeout })
        {
            command.Add(option);
        }

        command.Handle(async run =>
        {
            var identity = Ledger.Cli.Online.ClientIdentity.Load(run.Get(clientKey));
            var wait = TimeSpan.FromSeconds(run.Get(timeout) is >= 1 and <= 3600 and var seconds ? seconds : throw CliFailure.Usage("--timeout: give 1 to 3600 seconds."));
            var audit = new SignatureAudit();

            // Notary's log first: every later signature is newer than what the exports below can know of.
            var entries = new List<SignatureAudit.Entry>();
            using (var notary = new ServiceConnection(LedgerService.Notary.Resolve(null), identity, wait, run.Cancellation))
            {
                var client = new Contracts.Notary.V1.SignatureLog.SignatureLogClient(notary.Channel);
                var request = new Contracts.Notary.V1.ListSignaturesRequest { PageSize = 1000 };
                while (true)
                {
                    var page = await client.ListSignaturesAsync(request, notary.Call());
                    entries.AddRange(page.Entries.Select(e => new SignatureAudit.Entry(
                        e.Index, Ledger.Cli.Online.ProtoValues.TimeText(e.At), e.Kid, e.Purpose, e.Client, e.Subject, Convert.ToHexStringLower(e.InputSha256.ToByteArray()))));
                    if (page.NextStartIndex < 0)
                    {
                        break;
                    }

                    request.StartIndex = page.NextStartIndex;
                }
            }

            foreach (var (service, file) in new[] { (LedgerService.Issuance, run.Get(issuanceExport)), (LedgerService.Revocation, run.Get(revocationExport)), (LedgerService.Attestation, run.Get(attestationExport)) })
            {
                if (file is { Length: > 0 })
                {
                    foreach (var line in File.ReadLines(file))
                    {
                        if (line.Length > 0 && JsonNode.Parse(line) is JsonObject parsed)
                        {
                            audit.Add(parsed);
                        }
                    }

                    continue;
                }

                using var connection = new ServiceConnection(service.Resolve(null), identity, wait, run.Cancellation);
                using var call = new AdminClient(connection.Channel).ExportEvents(new ExportEventsRequest(), connection.Stream(run.Cancellation));
                await foreach (var record in call.ResponseStream.ReadAllAsync(run.Cancellation))
                {
                    if (record.RecordCase == ExportEventsResponse.RecordOneofCase.Event)
                    {
                        audit.Add(ExportFormat.Line(record));
                    }
                }
            }

            var findings = audit.Check(entries);
            var text = new StringBuilder($"{Plural.Of(entries.Count, "signature")} in Notary's log; the ledger holds {Plural.Of(audit.LicenseKeys, "license key")}, {Plural.Of(audit.AttestationSignatures, "attestation signature")} and a revocation log at version {audit.RevocationHead}.\n");
            if (findings.Count == 0)
            {
                text.Append("Every signature matches a ledger entry.");
            }
            else
            {
                text.Append($"{Plural.Of(findings.Count, "signature")} without a matching ledger entry:\n");
                foreach (var finding in findings)
                {
                    text.Append($"  #{finding.Entry.Index} {finding.Entry.At} key {finding.Entry.Kid} by client '{finding.Entry.Client}': {finding.Problem}\n");
                }
            }

            var json = new JsonObject
            {
                ["signatures"] = entries.Count,
                ["license_keys"] = audit.LicenseKeys,
                ["attestation_signatures"] = audit.AttestationSignatures,
                ["revocation_log_version"] = audit.RevocationHead,
                ["unmatched"] = new JsonArray([.. findings.Select(f => (JsonNode)new JsonObject
                {
                    ["index"] = f.Entry.Index,
                    ["at"] = f.Entry.At,
                    ["kid"] = f.Entry.Kid,
                    ["purpose"] = f.Entry.Purpose,
                    ["client"] = f.Entry.Client,
                    ["subject"] = f.Entry.Subject,
                    ["input_sha256"] = f.Entry.InputSha256,
                    ["problem"] = f.Problem,
                })]),
            };
            return run.Print(json, text.ToString(), findings.Count == 0 ? ExitCodes.Success : ExitCodes.Refused);
        });
        return command;
    }
}
