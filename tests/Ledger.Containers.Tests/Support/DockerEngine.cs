using Ledger.Testing.Processes;

namespace Ledger.Containers.Tests.Support;

/// <summary>
/// A Docker engine for the tests of this collection, had the way `make compose-up` has it
/// (infra/compose.sh engine: docker.io from Debian when missing, the daemon started when it is
/// not running). A daemon the fixture had to start is stopped again at the end, so the machine
/// is left as it was found.
/// </summary>
public sealed class DockerEngine : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);
    private bool _startedHere;

    /// <summary>The engine's API version ("1.41" for Debian 12's docker.io).</summary>
    public string ApiVersion { get; private set; } = "";

    public static string Script => Path.Combine(BuildOutput.Root, "infra", "compose.sh");

    public async Task InitializeAsync()
    {
        var answered = await Answers();
        (await Command.RunAsync(Script, ["engine"], Limit)).Expect();
        _startedHere = !answered;
        ApiVersion = (await Docker(["version", "-f", "{{.Server.APIVersion}}"])).Expect().Output.Trim();
    }

    private static async Task<bool> Answers()
    {
        try
        {
            return (await Docker(["info"])).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no docker command yet: infra/compose.sh installs it
        }
    }

    public async Task DisposeAsync()
    {
        if (_startedHere)
        {
            (await Command.RunAsync(Script, ["engine-stop"], Limit)).Expect();
        }
    }

    public static Task<Command.Result> Docker(IEnumerable<string> args) =>
        Command.RunAsync("docker", args, TimeSpan.FromMinutes(2));

    /// <summary>Lines of `docker ... -q` output: ids or names.</summary>
    public static async Task<string[]> List(IEnumerable<string> args) =>
        (await Docker(args)).Expect().Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerEngine>
{
    // One engine, and one test at a time on it: the compose stack and the Testcontainers run
    // each take both cores while they build and start.
    public const string Name = "docker";
}
