using Ledger.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Ledger.ServiceDefaults.Tests.LocalRun;

/// <summary>
/// `make run` as a newcomer meets it: on a machine where another checkout already ran, after a
/// reset, and with a setting that is wrong. Each test runs the real Makefile, scripts and
/// service hosts against the machine's PostgreSQL and RabbitMQ.
/// </summary>
[Collection(LocalRunCollection.Name)]
public sealed class LocalRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_checkouts_run_one_after_the_other_and_a_reset_checkout_runs_again()
    {
        await using var first = Checkout.Create();
        await using var second = Checkout.Create();

        var firstInstance = await RunUntilServingAsync(first);
        var secondInstance = await RunUntilServingAsync(second);
        Assert.NotEqual(firstInstance, secondInstance);
        Assert.Contains($"ledger_{firstInstance}_notary", await DatabasesAsync());
        Assert.Contains($"ledger_{secondInstance}_notary", await DatabasesAsync());

        // Without a terminal and without FORCE=1, a reset asks for it and removes nothing.
        var (refused, refusal) = await first.ResetAsync(force: false);
        Assert.NotEqual(0, refused);
        Assert.Contains("make reset FORCE=1", refusal);
        Assert.Contains($"ledger_{firstInstance}_notary", await DatabasesAsync());
        Assert.True(Directory.Exists(first.StateDirectory));

        var (exitCode, said) = await first.ResetAsync();
        output.WriteLine(said);
        Assert.Equal(0, exitCode);
        Assert.Contains($"PostgreSQL database  ledger_{firstInstance}_notary", said);
        Assert.Contains($"RabbitMQ vhost       ledger-{firstInstance}", said);
        Assert.DoesNotContain(await DatabasesAsync(), d => d.StartsWith($"ledger_{firstInstance}", StringComparison.Ordinal));
        Assert.False(Directory.Exists(first.StateDirectory));
        Assert.Contains($"ledger_{secondInstance}_notary", await DatabasesAsync());

        var afterReset = await RunUntilServingAsync(first);
        Assert.NotEqual(firstInstance, afterReset);
    }

    [Fact]
    public async Task A_service_with_an_invalid_setting_stops_make_run_which_names_the_setting_and_stops_the_others()
    {
        await using var checkout = Checkout.Create();
        await using var run = await checkout.StartRunAsync(new Dictionary<string, string> { ["Ledger__Revocation__Feed__LifetimeSeconds"] = "-5" });
        output.WriteLine(run.Output);

        Assert.True(run.HasExited, "make run should stop when a service cannot start");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("revocation: cannot start: setting Ledger:Revocation:Feed:LifetimeSeconds must be from 60", run.Output);
        Assert.Contains("what to do: correct the setting named above", run.Output);
        await Eventually.True(() => Task.FromResult(!checkout.AnyPortInUse()), TimeSpan.FromSeconds(30));
    }

    private async Task<string> RunUntilServingAsync(Checkout checkout)
    {
        await using var run = await checkout.StartRunAsync();
        output.WriteLine(run.Output);
        Assert.False(run.HasExited, $"make run stopped:\n{run.Output}");
        using var http = new HttpClient();
        foreach (var offset in new[] { 0, 10, 20, 30 })
        {
            var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{checkout.PortBase + offset}/health/ready"));
            Assert.True(ready.IsSuccessStatusCode, $"port {checkout.PortBase + offset}: {ready.StatusCode}");
        }

        var jwks = await http.GetStringAsync(new Uri($"http://127.0.0.1:{checkout.PortBase}/.well-known/jwks.json"));
        Assert.Contains("\"purpose\":\"license\"", jwks);
        await run.InterruptAsync();
        Assert.Contains("run: stopped", run.Output);
        return checkout.Instance ?? throw new InvalidOperationException("make run created no instance id");
    }

    private static async Task<List<string>> DatabasesAsync()
    {
        var infrastructure = await LedgerInfrastructure.GetAsync();
        await using var connection = new NpgsqlConnection(infrastructure.PostgresAdmin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}

/// <summary>The local-run tests start four services each: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalRunCollection
{
    public const string Name = "make run";
}
