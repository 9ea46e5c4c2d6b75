namespace Ledger.Cli.Tests.Support;

/// <summary>A temporary directory a test works in (keys, license keys, archives), removed afterwards.</summary>
public sealed class Workspace : IDisposable
{
    public Workspace()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ledgerctl-test-").FullName;
        Tool = new Ledgerctl(Directory);
    }

    public string Directory { get; }

    public Ledgerctl Tool { get; }

    public string this[string relative] => Path.Combine(Directory, relative);

    public Task<Ledgerctl.Result> RunAsync(params string[] args) => Tool.RunAsync(args);

    public string Write(string relative, string content)
    {
        var path = this[relative];
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (a process that outlived its test) must not fail the test.
        }
    }
}
