using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Grpc;
using Ledger.Testing;
using Ledger.Testing.Processes;

namespace Ledger.ServiceDefaults.Tests.Grpc;

/// <summary>
/// A gRPC client that is not .NET (Node.js, @grpc/grpc-js) mints its client token and decodes
/// BadRequest and ErrorInfo with nothing but the service's .proto and what docs/API.md says
/// (the token's format, and the error-detail definitions it prints).
/// The client's packages are installed by this test with <c>npm ci</c> from the committed lock
/// file, into the client's own node_modules (gitignored), once per lock file.
/// </summary>
public sealed class NodeClientTests(IssuanceAsProcess ledger) : IClassFixture<IssuanceAsProcess>
{
    private static readonly string ClientDirectory = Path.Combine(BuildOutput.Root, "tests", "Ledger.ServiceDefaults.Tests", "Grpc", "NodeClient");

    [Fact]
    public async Task a_node_client_decodes_bad_request_and_error_info_from_the_docs_alone()
    {
        await InstallPackagesAsync();
        var unknownLicense = UuidV7.NewId().ToString();

        var output = await RunAsync("node", ["decode-errors.mjs"], new()
        {
            ["LEDGER_ADDRESS"] = new Uri(ledger.Issuance.GrpcUrl).Authority,
            ["LEDGER_CLIENT_ID"] = TestClients.Admin,
            ["LEDGER_CLIENT_KEY"] = ledger.Clients.KeyFile(TestClients.Admin),
            ["LEDGER_UNKNOWN_LICENSE_ID"] = unknownLicense,
            ["LEDGER_PROTOS"] = Path.Combine(BuildOutput.Root, "contracts", "protos"),
            ["LEDGER_API_DOC"] = Path.Combine(BuildOutput.Root, "docs", "API.md"),
        });
        var results = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();

        var issue = results.Single(r => r.GetProperty("rpc").GetString() == "IssueLicense");
        Assert.Equal("INVALID_ARGUMENT", issue.GetProperty("code").GetString());
        Assert.Equal(3, issue.GetProperty("status_code").GetInt32());
        var badRequest = issue.GetProperty("details").EnumerateArray().Single(d => d.GetProperty("type").GetString() == "google.rpc.BadRequest");
        var violations = badRequest.GetProperty("value").GetProperty("field_violations").EnumerateArray()
            .ToDictionary(v => v.GetProperty("field").GetString()!, v => v.GetProperty("description").GetString()!);
        Assert.Contains("terms.customer_id", violations.Keys);
        Assert.StartsWith("required", violations["terms.customer_id"], StringComparison.Ordinal);

        var get = results.Single(r => r.GetProperty("rpc").GetString() == "GetLicense");
        Assert.Equal("NOT_FOUND", get.GetProperty("code").GetString());
        Assert.Contains(unknownLicense, get.GetProperty("message").GetString(), StringComparison.Ordinal);
        var info = get.GetProperty("details").EnumerateArray().Single(d => d.GetProperty("type").GetString() == "google.rpc.ErrorInfo").GetProperty("value");
        Assert.Equal(ErrorReasons.LicenseNotFound, info.GetProperty("reason").GetString());
        Assert.Equal(ErrorReasons.Domain, info.GetProperty("domain").GetString());
    }

    /// <summary>npm ci from the committed lock file, skipped while node_modules holds that lock's install.</summary>
    private static async Task InstallPackagesAsync()
    {
        var lockHash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(ClientDirectory, "package-lock.json"))));
        var stamp = Path.Combine(ClientDirectory, "node_modules", ".ledger-installed-lock");
        if (File.Exists(stamp) && await File.ReadAllTextAsync(stamp) == lockHash)
        {
            return;
        }

        await RunAsync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], []);
        await File.WriteAllTextAsync(stamp, lockHash);
    }

    private static async Task<string> RunAsync(string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = ClientDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start; Node.js 20+ and npm must be on PATH.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(bounded.Token);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stderr}\n{await stdout}");
        return await stdout;
    }
}
