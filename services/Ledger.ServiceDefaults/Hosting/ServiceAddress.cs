namespace Ledger.ServiceDefaults.Hosting;

/// <summary>
/// Checks of the address settings by which one Ledger service reaches another, for the settings
/// classes that bind them (<see cref="IValidatedSettings"/>): each answers what is wrong, or null.
/// </summary>
public static class ServiceAddress
{
    /// <summary>
    /// Whether <paramref name="text"/> is a gRPC address, <c>http://host:port</c> or
    /// <c>https://host:port</c> (a gRPC channel ignores a path, so none is accepted).
    /// </summary>
    public static bool IsGrpc(string? text, out Uri uri) =>
        Uri.TryCreate(text, UriKind.Absolute, out uri!) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/"
            && uri.Query.Length == 0 && uri.Fragment.Length == 0;

    /// <summary>Why <paramref name="text"/> is not <paramref name="service"/>'s gRPC address (<see cref="IsGrpc"/>), or null when it is.</summary>
    public static string? GrpcProblem(string? text, string service) =>
        IsGrpc(text, out _) ? null : $"must be {service}'s gRPC address as http://host:port or https://host:port (was '{text}')";

    /// <summary>
    /// Why <paramref name="text"/> is not <paramref name="service"/>'s HTTP address, an absolute
    /// <c>http://</c> or <c>https://</c> URL (a path prefix allowed, no query), or null when it is.
    /// </summary>
    public static string? HttpProblem(string? text, string service) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && uri.Query.Length == 0 && uri.Fragment.Length == 0
            ? null
            : $"must be {service}'s HTTP address as http://host:port or https://host:port (was '{text}')";
}

/// <summary>
/// The <c>Url</c> setting of another Ledger service's gRPC address (<c>Ledger:Revocation:Url</c>,
/// <c>Ledger:Issuance:Url</c>), checked at start; unset or empty: <see cref="DefaultUrl"/>.
/// </summary>
public abstract class GrpcAddressSettings : IValidatedSettings
{
    public string? Url { get; set; }

    /// <summary>The service's name in messages.</summary>
    protected abstract string Service { get; }

    protected abstract string DefaultUrl { get; }

    public Uri Address => new(string.IsNullOrWhiteSpace(Url) ? DefaultUrl : Url.Trim());

    public IEnumerable<(string Key, string Problem)> Problems()
    {
        if (!string.IsNullOrWhiteSpace(Url) && ServiceAddress.GrpcProblem(Url.Trim(), Service) is { } problem)
        {
            yield return ("Url", problem);
        }
    }
}
