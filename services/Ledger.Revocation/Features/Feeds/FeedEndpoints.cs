using Ledger.ServiceDefaults.Hosting;
using Ledger.Revocation.Features.FluxInterop;
using Microsoft.Net.Http.Headers;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>
/// <c>GET /feeds/revocations[?since=N]</c> and <c>GET /feeds/revocations/filter</c>: signed,
/// cacheable, with ETag / If-None-Match. They need PostgreSQL and Notary, not RabbitMQ.
/// </summary>
public static class FeedEndpoints
{
    public const string FeedPath = "/feeds/revocations";
    public const string FilterPath = "/feeds/revocations/filter";

    /// <summary>The revocation log's head, unsigned: Notary reads it to refuse feed versions the log never reached.</summary>
    public const string HeadPath = "/feeds/revocations/head";

    /// <summary>The unsigned Flux Operator format, for tools that still read it. Verifiers should use the signed feed.</summary>
    public const string FluxPath = "/feeds/revocations/revocations.json";
    public const string ContentType = "application/jose";

    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        app.MapGet(FeedPath, async (HttpContext http, FeedPublisher feeds, string? since, CancellationToken cancellationToken) =>
        {
            long sinceVersion = 0;
            if (since is not null && (!long.TryParse(since, out sinceVersion) || sinceVersion < 0))
            {
                return Results.Problem($"since must be a feed version (a whole number >= 0), not '{since}'.", statusCode: StatusCodes.Status400BadRequest);
            }

            return Serve(http, await feeds.GetAsync(sinceVersion, cancellationToken));
        }).AllowAnonymous();
        app.MapGet(FluxPath, async (FluxRevocationSetPublisher sets, CancellationToken cancellationToken) =>
            Results.Text(await sets.GetAsync(cancellationToken), "application/json")).AllowAnonymous();
        app.MapGet(HeadPath, async (HttpContext http, FeedPublisher feeds, LedgerIssuer issuer, CancellationToken cancellationToken) =>
        {
            var (version, chain) = await feeds.HeadAsync(cancellationToken);
            http.Response.Headers[HeaderNames.CacheControl] = "no-store";
            return Results.Json(new { iss = issuer.Name, ver = version, chain });
        }).AllowAnonymous();
        app.MapGet(FilterPath, async (HttpContext http, FilterPublisher filters, CancellationToken cancellationToken) =>
            Serve(http, await filters.GetAsync(cancellationToken))).AllowAnonymous();
        return app;
    }

    private static IResult Serve(HttpContext http, SignedFeed feed)
    {
        http.Response.Headers[HeaderNames.ETag] = feed.ETag;
        http.Response.Headers[HeaderNames.CacheControl] = "public, max-age=60, must-revalidate";
        http.Response.Headers["Ledger-Feed-Version"] = feed.Version.ToString();
        http.Response.Headers["Ledger-Feed-Kind"] = feed.Kind;
        if (http.Request.Headers.IfNoneMatch.Any(v => v == feed.ETag || v == "*"))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Text(feed.Jws, ContentType);
    }
}
