using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ServiceDefaults.Hosting;

/// <summary>
/// Prometheus metrics on a port of their own, never on the public HTTP or gRPC port: a Kestrel
/// endpoint named <c>Metrics</c> (<see cref="UrlSetting"/>), by default on the HTTP endpoint's host
/// at its port plus <see cref="DefaultPortOffset"/> (5030 gives 5130; 8080 in a container gives 8180).
/// <c>/metrics</c> answers only on a connection accepted on that port (the socket's local port, not
/// the Host header a client chooses); every other port answers 404 for it, and the metrics port
/// answers 404 for everything else. Scrapers reach it inside the network; it need not be published.
/// </summary>
public static class MetricsListener
{
    public const string UrlSetting = "Kestrel:Endpoints:Metrics:Url";
    public const string Path = "/metrics";
    public const int DefaultPortOffset = 100;

    private const string HttpUrlSetting = "Kestrel:Endpoints:Http:Url";

    /// <summary>Adds the Metrics endpoint (HTTP/1.1) when it is not configured, derived from the HTTP endpoint.</summary>
    internal static void AddEndpoint(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration[UrlSetting]) && DefaultUrl(configuration[HttpUrlSetting]) is { } url)
        {
            configuration[UrlSetting] = url;
        }

        if (!string.IsNullOrWhiteSpace(configuration[UrlSetting]) && string.IsNullOrWhiteSpace(configuration["Kestrel:Endpoints:Metrics:Protocols"]))
        {
            configuration["Kestrel:Endpoints:Metrics:Protocols"] = "Http1";
        }

        builder.Services.AddTransient<IStartupFilter, PortGuard>();
    }

    /// <summary>The HTTP endpoint's URL with its port plus <see cref="DefaultPortOffset"/>; port 0 (any free port) stays 0.</summary>
    public static string? DefaultUrl(string? httpUrl)
    {
        if (SplitPort(httpUrl) is not { } split || split.Port + DefaultPortOffset > 65535)
        {
            return null;
        }

        return $"{split.Prefix}{(split.Port == 0 ? 0 : split.Port + DefaultPortOffset)}{split.Tail}";
    }

    /// <summary>The port the Metrics endpoint listens on, or null when none is configured (then nothing serves /metrics).</summary>
    public static int? Port(IConfiguration configuration) => SplitPort(configuration[UrlSetting])?.Port;

    // "http://host:port/..." with host a name, an IPv4 or [IPv6] address, '*' or '+'.
    private static (string Prefix, int Port, string Tail)? SplitPort(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return null;
        }

        var authorityEnd = url.IndexOf('/', scheme + 3);
        var authority = authorityEnd < 0 ? url[(scheme + 3)..] : url[(scheme + 3)..authorityEnd];
        var colon = authority.LastIndexOf(':');
        if (colon < 0 || colon < authority.LastIndexOf(']') || !int.TryParse(authority[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            return null;
        }

        var prefix = url[..(scheme + 3 + colon + 1)];
        return (prefix, port, authorityEnd < 0 ? "" : url[authorityEnd..]);
    }

    /// <summary>First in the pipeline: /metrics only on the metrics port, and nothing else there.</summary>
    private sealed class PortGuard(IConfiguration configuration) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var metricsPort = Port(configuration);
            app.Use(async (context, proceed) =>
            {
                var onMetricsPort = metricsPort is > 0 && context.Connection.LocalPort == metricsPort;
                if (onMetricsPort != context.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                await proceed(context);
            });
            next(app);
        };
    }
}
