using System.Text.Json;
using Ledger.Testing.Processes;

namespace Ledger.Cli.Tests;

/// <summary>
/// ledgerctl is a gRPC client: it needs the .NET runtime and the client libraries, never the
/// ASP.NET Core server runtime (docs/CLI.md, "Size and start-up").
/// </summary>
public sealed class ToolDependenciesTests
{
    private static readonly string ToolDirectory = Path.GetDirectoryName(BuildOutput.Ledgerctl)!;

    [Fact]
    public void ledgerctl_runs_on_the_dotnet_runtime_alone()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(ToolDirectory, "ledgerctl.runtimeconfig.json")));
        var options = config.RootElement.GetProperty("runtimeOptions");
        var frameworks = options.TryGetProperty("frameworks", out var several)
            ? several.EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList()
            : [options.GetProperty("framework").GetProperty("name").GetString()];

        Assert.Equal(["Microsoft.NETCore.App"], frameworks);
    }

    [Fact]
    public void ledgerctl_depends_on_no_aspnetcore_package()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(ToolDirectory, "ledgerctl.deps.json")));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        Assert.Contains("Grpc.Net.Client", libraries);
        Assert.Contains("Ledger.Contracts.Grpc", libraries);
        Assert.DoesNotContain(libraries, name => name.Contains("AspNetCore", StringComparison.OrdinalIgnoreCase));
    }
}
