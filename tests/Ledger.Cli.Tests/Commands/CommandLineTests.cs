using System.Text.RegularExpressions;
using Ledger.Cli.Tests.Support;

namespace Ledger.Cli.Tests.Commands;

/// <summary>What every command shares: help with an example, usage errors with exit 2, completion.</summary>
public sealed partial class CommandLineTests : IDisposable
{
    private readonly Workspace _workspace = new();

    [Fact]
    public async Task every_command_has_help_with_an_example()
    {
        var pending = new Queue<string[]>([[]]);
        var seen = new List<string>();
        while (pending.Count > 0)
        {
            var path = pending.Dequeue();
            var help = (await _workspace.RunAsync([.. path, "--help"])).Expect(0);
            seen.Add(string.Join(' ', path));
            if (path.Length > 0)
            {
                Assert.True(help.Stdout.Contains("Examples:\n  ledgerctl ", StringComparison.Ordinal), $"'ledgerctl {string.Join(' ', path)} --help' shows no example:\n{help.Stdout}");
            }

            foreach (var child in Subcommands(help.Stdout))
            {
                pending.Enqueue([.. path, child]);
            }
        }

        Assert.Contains("license batch-issue", seen);
        Assert.Contains("decrypt manifests", seen);
        Assert.Contains("keys compromise", seen);
        Assert.True(seen.Count > 50, $"only {seen.Count} commands found");
    }

    [Fact]
    public async Task an_unknown_option_is_a_usage_error_that_points_at_help()
    {
        var result = (await _workspace.RunAsync("sign", "license-key", "--no-such-option")).Expect(2);

        Assert.Contains("Run 'ledgerctl sign license-key --help'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_usage_error_in_json_mode_is_json_on_stdout_too()
    {
        var unknown = (await _workspace.RunAsync("sign", "license-key", "--no-such-option", "--output-format", "json")).Expect(2);
        var missing = (await _workspace.RunAsync("sign", "manifests", "--output-format=json")).Expect(2);
        var group = (await _workspace.RunAsync("license", "--output-format", "json")).Expect(2);

        Assert.Equal(2, unknown.Json["exit_code"]!.GetValue<int>());
        Assert.Contains("--no-such-option", unknown.Json["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Run 'ledgerctl sign license-key --help'", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, missing.Json["exit_code"]!.GetValue<int>());
        Assert.Contains("--attestation", missing.Json["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, group.Json["exit_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task a_usage_error_in_text_mode_prints_nothing_on_stdout()
    {
        var result = (await _workspace.RunAsync("sign", "manifests", "--output-format", "text")).Expect(2);

        Assert.Empty(result.Stdout);
        Assert.Contains("--attestation", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_group_without_a_command_is_a_usage_error()
    {
        (await _workspace.RunAsync("license")).Expect(2);
    }

    [Fact]
    public async Task the_suggest_directive_completes_commands_for_shell_completion()
    {
        var result = (await _workspace.RunAsync("[suggest:13]", "ledgerctl key")).Expect(0);

        Assert.Contains("keygen", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("keys", result.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _workspace.Dispose();

    private static IEnumerable<string> Subcommands(string help)
    {
        var section = help.Split("Commands:\n");
        return section.Length < 2
            ? []
            : section[1].Split('\n').TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => CommandName().Match(l).Groups[1].Value).Where(n => n.Length > 0);
    }

    [GeneratedRegex(@"^  ([a-z][a-z-]*)\s")]
    private static partial Regex CommandName();
}
