using System.Globalization;
using System.Text.Json.Nodes;
using Ledger.ServiceDefaults.Domain;

namespace Ledger.Notary.Features.SignatureLog;

/// <summary>
/// The signature log over plain HTTP, open like the JWKS (docs/TRANSPARENCY.md):
/// <c>GET /signature-log/checkpoint</c> (text/plain signed note),
/// <c>GET /signature-log/proof/inclusion?index=I[&amp;size=N]</c> and
/// <c>GET /signature-log/proof/consistency?from=M&amp;to=N</c> (JSON, standard base64 hashes).
/// </summary>
public static class SignatureLogEndpoints
{
    public const string CheckpointPath = "/signature-log/checkpoint";
    public const string InclusionPath = "/signature-log/proof/inclusion";
    public const string ConsistencyPath = "/signature-log/proof/consistency";

    public static IEndpointRouteBuilder MapSignatureLog(this IEndpointRouteBuilder app)
    {
        app.MapGet(CheckpointPath, async (HttpContext http, SignatureLog log, CancellationToken cancellationToken) =>
        {
            var checkpoint = await log.CheckpointAsync(null, refreshIfGrown: false, cancellationToken);
            http.Response.Headers.CacheControl = "no-cache";
            return Results.Text(checkpoint.Note, "text/plain; charset=utf-8");
        }).AllowAnonymous();

        app.MapGet(InclusionPath, async (SignatureLog log, string? index, string? size, CancellationToken cancellationToken) =>
        {
            if (!TryNumber(index, out var leaf) || (size is not null && !TryNumber(size, out _)))
            {
                return Results.Problem("Give index=<leaf index> and optionally size=<tree size of a checkpoint>, both decimal numbers.", statusCode: StatusCodes.Status400BadRequest);
            }

            return await Answer(async () =>
            {
                var (entry, proof, checkpoint) = await log.InclusionAsync(leaf, size is null ? null : long.Parse(size, CultureInfo.InvariantCulture), cancellationToken);
                return new JsonObject
                {
                    ["index"] = entry.Index,
                    ["tree_size"] = checkpoint.TreeSize,
                    ["leaf_hash"] = Convert.ToBase64String(entry.LeafHash()),
                    ["hashes"] = new JsonArray(proof.Select(h => (JsonNode)Convert.ToBase64String(h)).ToArray()),
                    ["checkpoint"] = checkpoint.Note,
                };
            });
        }).AllowAnonymous();

        app.MapGet(ConsistencyPath, async (SignatureLog log, string? from, string? to, CancellationToken cancellationToken) =>
        {
            if (!TryNumber(from, out var first) || !TryNumber(to, out var second))
            {
                return Results.Problem("Give from=<tree size> and to=<larger tree size>, both decimal numbers.", statusCode: StatusCodes.Status400BadRequest);
            }

            return await Answer(async () => new JsonObject
            {
                ["from"] = first,
                ["to"] = second,
                ["hashes"] = new JsonArray((await log.ConsistencyAsync(first, second, cancellationToken)).Select(h => (JsonNode)Convert.ToBase64String(h)).ToArray()),
            });
        }).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> Answer(Func<Task<JsonObject>> answer)
    {
        try
        {
            return Results.Text((await answer()).ToJsonString(), "application/json");
        }
        catch (RecordNotFound e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status404NotFound);
        }
        catch (RuleViolation e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private static bool TryNumber(string? text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
