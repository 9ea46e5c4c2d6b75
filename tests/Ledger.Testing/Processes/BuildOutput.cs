using System.Reflection;

namespace Ledger.Testing.Processes;

/// <summary>Where this build put the tool and the service hosts (same configuration as the tests).</summary>
public static class BuildOutput
{
    /// <summary>The repository this build came from (where infra/ scripts are).</summary>
    public static readonly string Root = Metadata("RepositoryRoot");
    private static readonly string Configuration = Metadata("Configuration");

    public static string Ledgerctl => Existing(Path.Combine(Root, "sdk", "Ledger.Cli", "bin", Configuration, "net10.0", "ledgerctl.dll"));

    /// <summary>
    /// The host of <paramref name="project"/>: from the build output, or, when LEDGER_SERVICE_HOSTS names
    /// a directory, as published there (<c>&lt;dir&gt;/&lt;project&gt;/&lt;project&gt;.dll</c>: `make bench`
    /// publishes the hosts ReadyToRun, as the Dockerfile does, so cold starts are measured as shipped).
    /// </summary>
    public static string Service(string project) =>
        Environment.GetEnvironmentVariable("LEDGER_SERVICE_HOSTS") is { Length: > 0 } published
            ? Existing(Path.Combine(published, project, project + ".dll"))
            : Existing(Path.Combine(Root, "services", project, "bin", Configuration, "net10.0", project + ".dll"));

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the test project (it builds the tool and the services first).", path);

    private static string Metadata(string key) =>
        typeof(BuildOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
