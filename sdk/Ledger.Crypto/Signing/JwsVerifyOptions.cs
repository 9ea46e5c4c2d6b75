namespace Ledger.Crypto;

public sealed record JwsVerifyOptions
{
    public static JwsVerifyOptions Default { get; } = new();

    /// <summary>Largest compact token accepted, in bytes (the token is ASCII).</summary>
    public int MaxTokenBytes { get; init; } = 16 * 1024;

    /// <summary>Largest decoded protected header accepted, in bytes.</summary>
    public int MaxHeaderBytes { get; init; } = 1024;

    /// <summary>
    /// When set, the header's typ must equal this (ignoring case, as media types do), so a token of one
    /// kind cannot be passed off as another kind signed by the same key.
    /// </summary>
    public string? RequiredType { get; init; }
}
