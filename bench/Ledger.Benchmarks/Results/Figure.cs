namespace Ledger.Benchmarks.Results;

/// <summary>One measured (or derived) number. Ratios are figures with unit <c>ratio</c> and say what over what in <see cref="Note"/>.</summary>
public sealed record Figure(string Key, string Label, double Value, string Unit, string? Note = null);
