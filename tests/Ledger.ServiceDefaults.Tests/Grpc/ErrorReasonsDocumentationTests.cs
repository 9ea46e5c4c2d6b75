using System.Reflection;
using System.Text.RegularExpressions;
using Ledger.ServiceDefaults.Grpc;
using Ledger.Testing.Processes;

namespace Ledger.ServiceDefaults.Tests.Grpc;

/// <summary>The reasons clients branch on are a contract: docs/API.md lists exactly those the code sends.</summary>
public sealed partial class ErrorReasonsDocumentationTests
{
    [Fact]
    public void docs_api_lists_every_reason_the_services_send_and_no_other()
    {
        var inCode = typeof(ErrorReasons).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f is { IsLiteral: true } && f.Name != nameof(ErrorReasons.Domain))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)
            .ToList();
        var doc = File.ReadAllText(Path.Combine(BuildOutput.Root, "docs", "API.md"));
        var table = doc[doc.IndexOf("### Reasons", StringComparison.Ordinal)..doc.IndexOf("### Statuses every rpc can return", StringComparison.Ordinal)];
        var inDoc = ReasonRow().Matches(table).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(inCode, inDoc);
        Assert.All(inCode, reason => Assert.Matches("^[A-Z][A-Z0-9_]*[A-Z0-9]$", reason));
    }

    [GeneratedRegex(@"^\| `([A-Z0-9_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex ReasonRow();
}
