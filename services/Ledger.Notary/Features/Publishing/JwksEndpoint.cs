using Ledger.Notary.Keys;
using Microsoft.Net.Http.Headers;

namespace Ledger.Notary.Features.Publishing;

/// <summary><c>GET /.well-known/jwks.json[?purpose=license]</c>, cacheable, with ETag and 304.</summary>
public static class JwksEndpoint
{
    public const string Path = "/.well-known/jwks.json";

    /// <summary>Short enough that a compromised key leaves caches within a minute.</summary>
    public const int MaxAgeSeconds = 60;

    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext http, KeyRing ring, string? purpose) =>
        {
            KeyPurpose? only = null;
            if (!string.IsNullOrEmpty(purpose))
            {
                if (!KeyPurposes.TryParse(purpose, out var parsed))
                {
                    return Results.Problem(
                        $"Unknown purpose '{purpose}'. Use one of: {string.Join(", ", KeyPurposes.All.Select(p => p.Name()))}, or omit it for every key.",
                        statusCode: StatusCodes.Status400BadRequest);
                }

                only = parsed;
            }

            var (json, etag) = JwksDocument.Build(ring, only);
            http.Response.Headers[HeaderNames.ETag] = etag;
            http.Response.Headers[HeaderNames.CacheControl] = $"public, max-age={MaxAgeSeconds}, must-revalidate";
            if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && (v == etag || v == "*")))
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            return Results.Text(json, "application/jwk-set+json");
        }).AllowAnonymous();
        return app;
    }
}
