namespace Ledger.ServiceDefaults.Hosting;

/// <summary>
/// Checks of the address settings by which one Ledger service reaches another, for the settings
/// classes that bind them (<see cref="IValidatedSettings"/>): each answers what is wrong, or null.
/// </summary>
public static class ServiceAddress
{
    /// <summary>
    /// Why <paramref name="text"/> is not <paramref name="service"/>'s gRPC address as
    /// <c>http://host:port</c> or <c>https://host:port</c> (a gRPC channel ignores a path), or null when it is.
    /// </summary>
    public static string? GrpcProblem(string? text, string service) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/"
            && uri.Query.Length == 0 && uri.Fragment.Length == 0
            ? null
            : $"must be {service}'s gRPC address as http://host:port or https://host:port (was '{text}')";

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
