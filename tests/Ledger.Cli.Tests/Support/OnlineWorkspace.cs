namespace Ledger.Cli.Tests.Support;

/// <summary>A workspace whose ledgerctl calls the running ledger as the admin client.</summary>
public sealed class OnlineWorkspace(RunningLedger ledger) : IDisposable
{
    public Workspace Files { get; } = new();

    public Ledgerctl Tool => ledger.Tool(Files);

    public string this[string relative] => Files[relative];

    public Task<Ledgerctl.Result> RunAsync(params string[] args) => Tool.RunAsync(args);

    /// <summary>Runs until the exit code is 0: for effects the ledger applies asynchronously (Revocation learning a new license).</summary>
    public async Task<Ledgerctl.Result> EventuallyAsync(params string[] args)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var result = await RunAsync(args);
            if (result.ExitCode == 0 || DateTime.UtcNow > deadline)
            {
                return result.Expect(0);
            }

            await Task.Delay(500);
        }
    }

    public void Dispose() => Files.Dispose();
}
