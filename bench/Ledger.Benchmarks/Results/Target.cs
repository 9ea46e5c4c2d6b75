namespace Ledger.Benchmarks.Results;

/// <summary>A target of issue 10 and whether this run met it; <see cref="Limitation"/> says what limits it when missed.</summary>
public sealed record Target(string Key, string Rule, double Value, double Threshold, bool AtMost, string? Limitation = null)
{
    public bool Met => AtMost ? Value <= Threshold : Value >= Threshold;

    public static Target AtLeast(string key, string rule, double value, double threshold, string? limitation = null) =>
        new(key, rule, value, threshold, AtMost: false, limitation);

    public static Target NoMoreThan(string key, string rule, double value, double threshold, string? limitation = null) =>
        new(key, rule, value, threshold, AtMost: true, limitation);
}
