namespace Ledger.Cli;

/// <summary>Counts in sentences: "1 file", "2 files".</summary>
internal static class Plural
{
    public static string Of(long count, string singular, string? plural = null) =>
        $"{count} {(count == 1 ? singular : plural ?? singular + "s")}";
}
