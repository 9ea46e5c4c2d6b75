namespace Ledger.Crypto;

public sealed record JweDecryptOptions
{
    public static JweDecryptOptions Default { get; } = new();

    /// <summary>Largest compact token accepted, in bytes (the token is ASCII).</summary>
    public int MaxTokenBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest decoded protected header accepted, in bytes.</summary>
    public int MaxHeaderBytes { get; init; } = 4 * 1024;

    /// <summary>
    /// Accept "zip":"DEF". Anyone holding the public key can send a small token that inflates to gigabytes,
    /// so this is off unless the caller opts in, and then capped by <see cref="MaxDecompressedBytes"/>.
    /// </summary>
    public bool AllowCompressionUnsafe { get; init; }

    public long MaxDecompressedBytes { get; init; } = 250 * 1024;

    /// <summary>
    /// Accept only ECDH-ES+A128KW with A128GCM and require the header's <c>kid</c>, exactly what the Flux
    /// Operator's distro tooling writes and accepts (ledgerctl decrypts with this on).
    /// </summary>
    public bool FluxProfile { get; init; }
}
