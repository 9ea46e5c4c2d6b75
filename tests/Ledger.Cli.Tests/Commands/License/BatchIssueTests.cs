using System.Text;
using Ledger.Cli.Tests.Support;

namespace Ledger.Cli.Tests.Commands.License;

/// <summary><c>license batch-issue</c>: calls of up to 100, progress, a summary, and every failed row kept.</summary>
[Collection(RunningLedgerCollection.Name)]
public sealed class BatchIssueTests(RunningLedger ledger) : IDisposable
{
    private readonly OnlineWorkspace _online = new(ledger);

    [Fact]
    public async Task rows_are_issued_in_batches_and_bad_rows_go_to_the_failed_file()
    {
        var csv = new StringBuilder("customer_id,customer_name,product,audience,capabilities,duration_days\n");
        for (var i = 0; i < 205; i++)
        {
            var product = i == 150 ? "Not A Product!" : "flux-enterprise";
            var days = i == 7 ? "seven" : "365";
            csv.Append($"batch-{i},\"Customer {i}, Inc.\",{product},acme-app,sso;fips,{days}\n");
        }

        _online.Files.Write("customers.csv", csv.ToString());

        var result = (await _online.RunAsync("license", "batch-issue", "--from", "customers.csv", "--output-format", "json")).Expect(2);

        Assert.Equal(205, result.Json["rows"]!.GetValue<int>());
        Assert.Equal(203, result.Json["issued"]!.GetValue<int>());
        Assert.Equal(2, result.Json["failed"]!.GetValue<int>());
        Assert.Contains("sent 204 of 204 rows; 203 issued, 2 failed", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, result.Stderr.Split('\n').Count(l => l.StartsWith("batch-issue:", StringComparison.Ordinal)));

        var issued = File.ReadAllLines(_online["customers.issued.csv"]);
        Assert.Equal(204, issued.Length);
        Assert.StartsWith("row,customer_id,license_id,expires_at,idempotency_key,license_key", issued[0], StringComparison.Ordinal);
        Assert.Equal(3, issued.Skip(1).Select(l => l.Split(',')[4]).Distinct().Count());

        var failed = File.ReadAllLines(_online["customers.failed.csv"]);
        Assert.Equal("customer_id,customer_name,product,audience,capabilities,duration_days,error", failed[0]);
        Assert.StartsWith("batch-7,\"Customer 7, Inc.\"", failed[1], StringComparison.Ordinal);
        Assert.Contains("not a whole number", failed[1], StringComparison.Ordinal);
        Assert.StartsWith("batch-150,", failed[2], StringComparison.Ordinal);
        Assert.Contains("product", failed[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task when_the_service_is_unreachable_every_row_is_kept_in_the_failed_file()
    {
        _online.Files.Write("down.csv", "customer_id,customer_name,product,audience,duration_days\nc1,One,flux-enterprise,app,30\nc2,Two,flux-enterprise,app,30\n");

        var result = (await _online.RunAsync("license", "batch-issue", "--from", "down.csv", "--server", "http://127.0.0.1:9", "--timeout", "2")).Expect(3);

        Assert.Contains("2 rows failed", result.Stdout, StringComparison.Ordinal);
        var failed = File.ReadAllLines(_online["down.failed.csv"]);
        Assert.Equal(3, failed.Length);
        Assert.All(failed.Skip(1), row => Assert.Contains("not issued", row, StringComparison.Ordinal));
    }

    [Fact]
    public async Task an_unknown_column_is_refused_before_anything_is_issued()
    {
        _online.Files.Write("typo.csv", "customer_id,customer_nmae,product,audience,duration_days\nc1,One,flux-enterprise,app,30\n");

        var result = (await _online.RunAsync("license", "batch-issue", "--from", "typo.csv")).Expect(2);

        Assert.Contains("customer_name", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_online["typo.issued.csv"]));
    }

    public void Dispose() => _online.Dispose();
}
