using System.Text.RegularExpressions;

namespace Ledger.Cli.Licensing;

/// <summary>The rules for license terms given on the command line, the same as Issuance applies.</summary>
internal static partial class LicenseTermsRules
{
    public const int MaxCapabilities = 64;
    public const int MinDurationDays = 1;
    public const int MaxDurationDays = 3650;
    public const int MaxTextLength = 256;

    /// <summary>Capabilities from repeated options, each of which may be a comma-separated list.</summary>
    public static IReadOnlyList<string> Capabilities(IEnumerable<string>? values)
    {
        var capabilities = (values ?? [])
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        if (capabilities.Count > MaxCapabilities)
        {
            throw CliFailure.Usage($"{capabilities.Count} capabilities given; at most {MaxCapabilities}.");
        }

        if (capabilities.FirstOrDefault(c => !CapabilityPattern().IsMatch(c)) is { } bad)
        {
            throw CliFailure.Usage($"Capability '{bad}' is not valid: use 1-64 characters of a-z, 0-9, ':', '.', '_', '-' (e.g. sso,fips).");
        }

        if (capabilities.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            throw CliFailure.Usage($"Capability '{repeated.Key}' is given twice; list each once.");
        }

        return capabilities;
    }

    public static int DurationDays(int days) =>
        days is >= MinDurationDays and <= MaxDurationDays
            ? days
            : throw CliFailure.Usage($"--duration {days} is out of range: give {MinDurationDays} to {MaxDurationDays} days.");

    public static string Text(string? value, string option)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxTextLength || trimmed.Any(char.IsControl))
        {
            throw CliFailure.Usage($"{option} must be 1-{MaxTextLength} characters without control characters.");
        }

        return trimmed;
    }

    [GeneratedRegex("^[a-z0-9:._-]{1,64}$")]
    private static partial Regex CapabilityPattern();
}
