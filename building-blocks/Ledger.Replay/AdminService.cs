using Grpc.Core;
using Ledger.Contracts.Admin.V1;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ClientTokens;
using Marten;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Replay;

/// <summary>gRPC <c>ledger.admin.v1.Admin</c>: the same in every service, over that service's own projections.</summary>
[Authorize]
public sealed class AdminService(IEnumerable<LedgerProjection> projections, ProjectionRebuild rebuild, EventExport export, IDocumentStore store)
    : Contracts.Admin.V1.Admin.AdminBase
{
    private readonly IReadOnlyList<LedgerProjection> _projections = projections.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    [Authorize(Roles = LedgerRoles.KeyAdminOrAuditor)]
    public override async Task<ListProjectionsResponse> ListProjections(ListProjectionsRequest request, ServerCallContext context)
    {
        await using var session = store.QuerySession();
        var response = new ListProjectionsResponse();
        foreach (var projection in _projections)
        {
            var listed = new Projection { Name = projection.Name, Documents = await projection.CountAsync(session, context.CancellationToken) };
            listed.EventTypes.AddRange(projection.EventTypes.Select(t => JasperFx.Events.EventTypeExtensions.GetEventTypeName(t, store.Options.Events.EventNamingStyle)));
            response.Projections.Add(listed);
        }

        return response;
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<RebuildProjectionsResponse> RebuildProjections(RebuildProjectionsRequest request, ServerCallContext context)
    {
        var chosen = Choose(request);
        var response = new RebuildProjectionsResponse();
        foreach (var projection in chosen)
        {
            var result = await projection.RebuildAsync(rebuild, context.CancellationToken);
            response.Projections.Add(new RebuiltProjection
            {
                Name = result.Name,
                Streams = result.Streams,
                DocumentsCorrected = result.DocumentsCorrected,
                ElapsedMs = (long)result.Elapsed.TotalMilliseconds,
            });
        }

        return response;
    }

    [Authorize(Roles = LedgerRoles.KeyAdminOrAuditor)]
    public override async Task ExportEvents(ExportEventsRequest request, IServerStreamWriter<ExportEventsResponse> responseStream, ServerCallContext context)
    {
        var pageSize = request.PageSize == 0 ? EventExport.DefaultPageSize : request.PageSize;
        if (pageSize is < 1 or > EventExport.MaxPageSize)
        {
            throw RequestValidation.Invalid("page_size", $"must be 1 to {EventExport.MaxPageSize} (or 0 for {EventExport.DefaultPageSize}), not {request.PageSize}.");
        }

        await foreach (var record in export.ReadAsync(pageSize, context.CancellationToken))
        {
            await responseStream.WriteAsync(record, context.CancellationToken);
        }
    }

    private IReadOnlyList<LedgerProjection> Choose(RebuildProjectionsRequest request)
    {
        var names = string.Join(", ", _projections.Select(p => p.Name));
        if (request.All == request.Projections.Count > 0)
        {
            throw request.All
                ? RequestValidation.Invalid("projections", "name projections or set all, not both.")
                : RequestValidation.Invalid("projections", $"name at least one projection to rebuild ({names}), or set all.");
        }

        if (request.All)
        {
            return _projections;
        }

        var validation = new RequestValidation();
        var chosen = new List<LedgerProjection>();
        for (var i = 0; i < request.Projections.Count; i++)
        {
            var name = request.Projections[i];
            if (_projections.FirstOrDefault(p => p.Name == name) is { } projection)
            {
                if (!chosen.Contains(projection))
                {
                    chosen.Add(projection);
                }
            }
            else
            {
                validation.Fail($"projections[{i}]", $"this service has no projection '{name}'; its projections are: {names}.");
            }
        }

        validation.ThrowIfInvalid();
        return chosen;
    }
}
