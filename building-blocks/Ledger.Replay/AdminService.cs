using Grpc.Core;
using Ledger.Contracts.Admin.V1;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Messaging;
using Ledger.ClientTokens;
using Marten;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Replay;

/// <summary>gRPC <c>ledger.admin.v1.Admin</c>: the same in every service, over that service's own projections.</summary>
[Authorize]
public sealed class AdminService(
    IEnumerable<LedgerProjection> projections, ProjectionRebuild rebuild, EventExport export, IDocumentStore store, PublishedEvents published)
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

    [Authorize(Roles = LedgerRoles.EventReaderOrAuditor)]
    public override async Task<ListPublishedEventsResponse> ListPublishedEvents(ListPublishedEventsRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        if (request.AfterSequence < 0)
        {
            validation.Fail("after_sequence", $"must be 0 or a sequence, not {request.AfterSequence}.");
        }

        var max = request.MaxEvents == 0 ? PublishedEvents.DefaultMaxEvents : request.MaxEvents;
        if (max is < 1 or > PublishedEvents.MaxEvents)
        {
            validation.Fail("max_events", $"must be 1 to {PublishedEvents.MaxEvents} (or 0 for {PublishedEvents.DefaultMaxEvents}), not {request.MaxEvents}.");
        }

        validation.ThrowIfInvalid();
        var page = await published.ListAsync(request.AfterSequence, max, context.CancellationToken);
        var response = new ListPublishedEventsResponse { PublishedThrough = page.PublishedThrough };
        response.Events.AddRange(page.Events.Select(e => new Contracts.Admin.V1.PublishedEvent
        {
            Sequence = e.Sequence,
            PreviousSequence = e.PreviousSequence,
            MessageId = e.MessageId.ToString(),
            MessageType = e.MessageType,
            MessageJson = PublishedEvents.ToJson(e.Message),
        }));
        return response;
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
