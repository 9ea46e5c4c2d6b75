using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grpc.Core;
using Ledger.Cli.Files;
using Ledger.Cli.Licensing;
using Ledger.Cli.Online;
using Ledger.Contracts.Issuance.V1;
using Ledger.Crypto;

namespace Ledger.Cli.Commands.License;

/// <summary>
/// <c>ledgerctl license batch-issue --from FILE.csv</c>: issues a CSV of licenses in calls of up to
/// 100 (IssueLicenses, all or nothing per call, a fresh idempotency key per call, retried with the
/// same key when the service is briefly away). Issued licenses are appended to the issued file as
/// each call succeeds; every row that is not issued goes to the failed file with its reason.
/// </summary>
internal static partial class BatchIssueCommand
{
    public const int BatchSize = 100;
    private const int Attempts = 3;
    private const long MaxCsvBytes = 64 * 1024 * 1024;

    private static readonly string[] Required = ["customer_id", "customer_name", "product", "audience"];
    private static readonly string[] Optional = ["customer_contact", "edition", "capabilities", "duration_days", "valid_from", "expires_at"];

    public static CliCommand Create()
    {
        var online = new OnlineOptions(LedgerService.Issuance);
        var from = new Option<string>("--from") { Description = $"The CSV: a header row with {string.Join(", ", Required)} and optionally {string.Join(", ", Optional)} (capabilities separated by ';').", Required = true, HelpName = "FILE.csv" };
        var issued = new Option<string>("--issued") { Description = "Where to write the issued licenses (CSV with license ids and keys, mode 0600). Default: <FILE>.issued.csv.", HelpName = "FILE" };
        var failed = new Option<string>("--failed") { Description = "Where to write rows that were not issued, with an 'error' column. Default: <FILE>.failed.csv.", HelpName = "FILE" };
        var command = new CliCommand("batch-issue", $"Issue every row of a CSV, {BatchSize} per call, with progress and a summary. Rows that fail are written to a file, never dropped.",
            "ledgerctl license batch-issue --from customers.csv",
            "# customers.csv:  customer_id,customer_name,product,audience,capabilities,duration_days",
            "#                 acme-42,Acme Corp,flux-enterprise,acme-app,sso;fips,365");
        command.Add(from);
        command.Add(issued);
        command.Add(failed);
        online.AddTo(command);
        command.Handle(async run =>
        {
            var source = run.Get(from)!;
            var stem = source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? source[..^4] : source;
            var issuedPath = run.Get(issued) is { Length: > 0 } i ? i : stem + ".issued.csv";
            var failedPath = run.Get(failed) is { Length: > 0 } f ? f : stem + ".failed.csv";
            LocalFiles.RefuseExisting(issuedPath, "Issued file");
            LocalFiles.RefuseExisting(failedPath, "Failed-rows file");

            var table = CsvTable.Parse(LocalFiles.ReadText(source, MaxCsvBytes, "CSV file"), source);
            CheckHeader(table.Header, source);

            var failures = new List<(int Row, string[] Fields, string Error)>();
            var pending = new List<(int Row, string[] Fields, LicenseTerms Terms)>();
            foreach (var (row, fields) in table.Rows)
            {
                try
                {
                    pending.Add((row, fields, Terms(table.Header, fields)));
                }
                catch (CliFailure e)
                {
                    failures.Add((row, fields, e.Message));
                }
            }

            using var connection = online.Connect(run);
            var client = new Licenses.LicensesClient(connection.Channel);
            var issuedCount = 0;
            string? stoppedBy = null;
            await using (var issuedFile = OpenIssuedFile(issuedPath))
            {
                for (var start = 0; start < pending.Count; start += BatchSize)
                {
                    var batch = pending.Skip(start).Take(BatchSize).ToList();
                    if (stoppedBy is not null)
                    {
                        failures.AddRange(batch.Select(b => (b.Row, b.Fields, $"not attempted: {stoppedBy}")));
                        continue;
                    }

                    while (batch.Count > 0)
                    {
                        var key = UuidV7.NewId().ToString();
                        var request = new IssueLicensesRequest { IdempotencyKey = key, Licenses = { batch.Select(b => b.Terms) } };
                        try
                        {
                            var response = await CallWithRetries(() => client.IssueLicensesAsync(request, connection.Call()).ResponseAsync, run);
                            for (var n = 0; n < batch.Count; n++)
                            {
                                var license = response.Licenses[n];
                                await issuedFile.WriteLineAsync(CsvTable.Line([batch[n].Row.ToString(CultureInfo.InvariantCulture), license.CustomerId, license.LicenseId, ProtoValues.TimeText(license.ExpiresAt), key, license.LicenseKey]));
                            }

                            await issuedFile.FlushAsync(run.Cancellation);
                            issuedCount += batch.Count;
                            break;
                        }
                        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
                        {
                            // The call is all or nothing: set the rows the service named aside, retry the rest.
                            var named = RowViolations(RpcFailures.FieldViolations(e), batch.Count);
                            if (named.Count == 0)
                            {
                                failures.AddRange(batch.Select(b => (b.Row, b.Fields, e.Status.Detail)));
                                break;
                            }

                            failures.AddRange(named.Select(v => (batch[v.Key].Row, batch[v.Key].Fields, string.Join("; ", v.Value))));
                            batch = batch.Where((_, index) => !named.ContainsKey(index)).ToList();
                        }
                        catch (RpcException e)
                        {
                            stoppedBy = RpcFailures.Describe(e, connection.Endpoint).Message;
                            failures.AddRange(batch.Select(b => (b.Row, b.Fields, $"not issued: {stoppedBy}")));
                            break;
                        }
                    }

                    run.Progress($"batch-issue: sent {Math.Min(start + BatchSize, pending.Count)} of {pending.Count} rows; {issuedCount} issued, {failures.Count} failed");
                }
            }

            if (failures.Count > 0)
            {
                var lines = new List<string> { CsvTable.Line([.. table.Header, "error"]) };
                lines.AddRange(failures.OrderBy(f => f.Row).Select(f => CsvTable.Line([.. f.Fields, $"row {f.Row}: {f.Error}"])));
                LocalFiles.WriteNew(failedPath, string.Join('\n', lines) + "\n", LocalFiles.PrivateMode);
            }

            var json = new JsonObject
            {
                ["rows"] = table.Rows.Count,
                ["issued"] = issuedCount,
                ["failed"] = failures.Count,
                ["issued_file"] = issuedPath,
                ["failed_file"] = failures.Count > 0 ? failedPath : null,
                ["stopped_by"] = stoppedBy,
                ["failures"] = new JsonArray([.. failures.OrderBy(f => f.Row).Select(f => (JsonNode)new JsonObject { ["row"] = f.Row, ["error"] = f.Error })]),
            };
            var text = $"Issued {issuedCount} of {table.Rows.Count} rows; issued licenses (ids and keys) are in {issuedPath}."
                + (failures.Count == 0 ? string.Empty : $"\n{Plural.Of(failures.Count, "row")} failed; they are in {failedPath} with an 'error' column. Fix them and run batch-issue on that file (drop the error column).")
                + (stoppedBy is null ? string.Empty : $"\nStopped early: {stoppedBy}");
            return run.Print(json, text, failures.Count == 0 ? ExitCodes.Success : stoppedBy is null ? ExitCodes.Usage : ExitCodes.ServerOrIo);
        });
        return command;
    }

    private static void CheckHeader(IReadOnlyList<string> header, string source)
    {
        if (Required.FirstOrDefault(c => !header.Contains(c)) is { } missing)
        {
            throw CliFailure.Usage($"{source} has no '{missing}' column. The header needs {string.Join(", ", Required)}; optional: {string.Join(", ", Optional)}.");
        }

        if (header.FirstOrDefault(c => !Required.Contains(c) && !Optional.Contains(c)) is { } unknown)
        {
            throw CliFailure.Usage($"{source} has an unknown column '{unknown}'. Columns are {string.Join(", ", Required.Concat(Optional))}.");
        }

        if (header.Count != header.Distinct().Count())
        {
            throw CliFailure.Usage($"{source} names a column twice in its header.");
        }
    }

    private static LicenseTerms Terms(IReadOnlyList<string> header, string[] fields)
    {
        if (fields.Length != header.Count)
        {
            throw CliFailure.Usage($"the row has {fields.Length} fields, the header {header.Count}");
        }

        string Field(string column) => header.ToList().IndexOf(column) is var index and >= 0 ? fields[index].Trim() : string.Empty;
        var terms = new LicenseTerms
        {
            CustomerId = Field("customer_id"),
            CustomerName = Field("customer_name"),
            CustomerContact = Field("customer_contact"),
            Product = Field("product"),
            Edition = Field("edition"),
            Audience = Field("audience"),
            Capabilities = { LicenseTermsRules.Capabilities(Field("capabilities").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) },
        };
        if (Field("duration_days") is { Length: > 0 } days)
        {
            terms.DurationDays = int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw CliFailure.Usage($"duration_days '{days}' is not a whole number of days");
        }

        if (Field("expires_at") is { Length: > 0 } expiresAt)
        {
            terms.ExpiresAt = ProtoValues.ParseTime(expiresAt, "expires_at");
        }

        if (Field("valid_from") is { Length: > 0 } validFrom)
        {
            terms.ValidFrom = ProtoValues.ParseTime(validFrom, "valid_from");
        }

        return terms;
    }

    /// <summary>Violations named "licenses[i].field", by batch index; others are not row-specific.</summary>
    private static Dictionary<int, List<string>> RowViolations(IReadOnlyList<(string Field, string Description)> violations, int batchCount)
    {
        var rows = new Dictionary<int, List<string>>();
        foreach (var (field, description) in violations)
        {
            var match = RowField().Match(field);
            if (!match.Success || !int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var index) || index >= batchCount)
            {
                return [];
            }

            (rows.TryGetValue(index, out var list) ? list : rows[index] = []).Add($"{match.Groups[2].Value}: {description}");
        }

        return rows;
    }

    private static async Task<IssueLicensesResponse> CallWithRetries(Func<Task<IssueLicensesResponse>> call, CommandRun run)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (attempt < Attempts && e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.ResourceExhausted)
            {
                // Same request, same idempotency key: a retry can never issue a batch twice.
                var delay = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
                run.Progress($"batch-issue: {e.StatusCode}; retrying in {delay.TotalSeconds:0} s");
                await Task.Delay(delay, run.Cancellation);
            }
        }
    }

    private static StreamWriter OpenIssuedFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = LocalFiles.PrivateMode;
        }

        var writer = new StreamWriter(path, System.Text.Encoding.UTF8, options);
        writer.WriteLine(CsvTable.Line(["row", "customer_id", "license_id", "expires_at", "idempotency_key", "license_key"]));
        return writer;
    }

    [GeneratedRegex(@"^licenses\[(\d+)\]\.?(.*)$")]
    private static partial Regex RowField();
}
