using Ledger.Attestation.Attestations;
using Ledger.Attestation.Statements;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Marten;
using V1 = Ledger.Contracts.Attestation.V1;

namespace Ledger.Attestation.Features.Querying;

/// <summary>Reads of the attestation read model.</summary>
public sealed class AttestationQueries(IDocumentStore store, TimeProvider clock)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public sealed record Filter(string? VendorId, AttestationKind? Kind, string? Subject);

    public async Task<AttestationRecord> GetAsync(Guid attestationId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<AttestationRecord>(attestationId, cancellationToken)
            ?? throw new RecordNotFound($"No attestation {attestationId}. Check the id, or list attestations to find it.", ErrorReasons.AttestationNotFound);
    }

    /// <summary>Newest first. The cursor is the last attestation's (issued-at, id): stable while new ones arrive.</summary>
    public async Task<V1.ListAttestationsResponse> ListAsync(Filter filter, int pageSize, string pageToken, CancellationToken cancellationToken)
    {
        var size = pageSize == 0 ? DefaultPageSize : pageSize;
        var (afterIssuedAt, afterId) = PageCursor.Decode(pageToken);
        await using var session = store.QuerySession();
        var query = session.Query<AttestationRecord>().AsQueryable();
        if (filter.VendorId is { } vendor)
        {
            query = query.Where(a => a.VendorId == vendor);
        }

        if (filter.Kind is { } kind)
        {
            query = query.Where(a => a.Kind == kind);
        }

        if (filter.Subject is { } subject)
        {
            query = query.Where(a => a.Subjects.Contains(subject));
        }

        if (afterIssuedAt is { } at)
        {
            query = query.Where(a => a.IssuedAt < at || (a.IssuedAt == at && a.Id < afterId));
        }

        var page = await query.OrderByDescending(a => a.IssuedAt).ThenByDescending(a => a.Id).Take(size + 1).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var response = new V1.ListAttestationsResponse();
        response.Attestations.AddRange(page.Take(size).Select(a => a.ToProto(now)));
        if (page.Count > size)
        {
            var last = page[size - 1];
            response.NextPageToken = PageCursor.Encode(last.IssuedAt, last.Id);
        }

        return response;
    }
}
