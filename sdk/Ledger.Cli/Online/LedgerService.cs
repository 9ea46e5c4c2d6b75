namespace Ledger.Cli.Online;

/// <summary>A Ledger service: its name, the environment variable naming its gRPC address, and the local default.</summary>
internal sealed record LedgerService(string Name, string Title, string Variable, string DefaultUrl)
{
    public static readonly LedgerService Notary = new("notary", "Notary", "LEDGER_NOTARY_URL", "http://127.0.0.1:5011");
    public static readonly LedgerService Issuance = new("issuance", "Issuance", "LEDGER_ISSUANCE_URL", "http://127.0.0.1:5021");
    public static readonly LedgerService Revocation = new("revocation", "Revocation", "LEDGER_REVOCATION_URL", "http://127.0.0.1:5031");
    public static readonly LedgerService Attestation = new("attestation", "Attestation", "LEDGER_ATTESTATION_URL", "http://127.0.0.1:5041");

    public static readonly IReadOnlyList<LedgerService> All = [Notary, Issuance, Revocation, Attestation];

    /// <summary>The address: the option, else the environment variable, else the local default.</summary>
    public ServiceEndpoint Resolve(string? server)
    {
        var (text, from) = !string.IsNullOrWhiteSpace(server) ? (server, "--server")
            : Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, $"${Variable}")
            : (DefaultUrl, "the default");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw CliFailure.Usage($"{Title} address '{text}' (from {from}) is not an http:// or https:// URL, e.g. {DefaultUrl}.");
        }

        return new ServiceEndpoint(this, address);
    }
}
