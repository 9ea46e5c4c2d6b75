using System.Reflection;

namespace Ledger.Testing.Processes;

/// <summary>Where this build put the tool and the service hosts (same configuration as the tests).</summary>
public static class BuildOutput
{
    /// <summary>The repository this build came from (where infra/ scripts are).</summary>
    public static readonly string Root = Metadata("RepositoryRoot");
    private static readonly string Configuration = Metadata("Configuration");

    public static string Ledgerctl => Existing(Path.Combine(Root, "sdk", "Ledger.Cli", "bin", Configuration, "net10.0", "ledgerctl.dll"));

    public static string Service(string project) => Existing(Path.Combine(Root, "services", project, "bin", Configuration, "net10.0", project + ".dll"));

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the test project (it builds the tool and the services first).", path);

    private static string Metadata(string key) =>
        typeof(BuildOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
