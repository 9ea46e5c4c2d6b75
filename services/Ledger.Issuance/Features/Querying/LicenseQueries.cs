using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Ledger.Issuance.Licenses;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Marten;
using V1 = Ledger.Contracts.Issuance.V1;

namespace Ledger.Issuance.Features.Querying;

/// <summary>Reads of the license read model and of license streams.</summary>
public sealed class LicenseQueries(IDocumentStore store, TimeProvider clock)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public async Task<License> GetAsync(Guid licenseId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<License>(licenseId, cancellationToken)
            ?? throw new RecordNotFound($"No license {licenseId}. Check the id, or list the customer's licenses.", ErrorReasons.LicenseNotFound);
    }

    /// <summary>Newest first. The cursor is the last license's (issued-at, id): stable while new licenses arrive.</summary>
    public async Task<V1.ListLicensesResponse> ListAsync(string customerId, int pageSize, string pageToken, CancellationToken cancellationToken)
    {
        var size = pageSize == 0 ? DefaultPageSize : pageSize;
        var (afterIssuedAt, afterId) = PageCursor.Decode(pageToken);
        await using var session = store.QuerySession();
        var query = session.Query<License>().Where(l => l.CustomerId == customerId);
        if (afterIssuedAt is { } at)
        {
            query = query.Where(l => l.IssuedAt < at || (l.IssuedAt == at && l.Id < afterId));
        }

        var page = await query.OrderByDescending(l => l.IssuedAt).ThenByDescending(l => l.Id).Take(size + 1).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var response = new V1.ListLicensesResponse();
        response.Licenses.AddRange(page.Take(size).Select(l => l.ToProto(now)));
        if (page.Count > size)
        {
            var last = page[size - 1];
            response.NextPageToken = PageCursor.Encode(last.IssuedAt, last.Id);
        }

        return response;
    }

    public async Task<V1.GetLicenseHistoryResponse> HistoryAsync(Guid licenseId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(licenseId, token: cancellationToken);
        if (events.Count == 0)
        {
            throw new RecordNotFound($"No license {licenseId}. Check the id, or list the customer's licenses.", ErrorReasons.LicenseNotFound);
        }

        var response = new V1.GetLicenseHistoryResponse();
        response.Entries.AddRange(events.Select(e => new V1.LicenseHistoryEntry
        {
            Version = e.Version,
            Event = e.Data.GetType().Name,
            At = e.Timestamp.ToTimestamp(),
            RequestedBy = (e.Data as ILicenseEvent)?.RequestedBy ?? "",
            IdempotencyKey = (e.Data as ILicenseEvent)?.IdempotencyKey ?? "",
            DataJson = JsonSerializer.Serialize(e.Data, e.Data.GetType()),
        }));
        return response;
    }

    public async Task<V1.CountLicensesResponse> CountAsync(string customerId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var session = store.QuerySession();
        IQueryable<License> All() => customerId.Length == 0
            ? session.Query<License>()
            : session.Query<License>().Where(l => l.CustomerId == customerId);
        return new V1.CountLicensesResponse
        {
            Revoked = await All().CountAsync(l => l.Revoked, cancellationToken),
            Expired = await All().CountAsync(l => !l.Revoked && l.ExpiresAt <= now, cancellationToken),
            NotYetValid = await All().CountAsync(l => !l.Revoked && l.ExpiresAt > now && l.ValidFrom > now, cancellationToken),
            Active = await All().CountAsync(l => !l.Revoked && l.ExpiresAt > now && l.ValidFrom <= now, cancellationToken),
        };
    }
}
