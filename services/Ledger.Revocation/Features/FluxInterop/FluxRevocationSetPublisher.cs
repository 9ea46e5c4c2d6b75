using Ledger.ServiceDefaults.Hosting;
using Ledger.Revocation.Features.Feeds;
using Ledger.Revocation.Features.Revoking;
using Ledger.Revocation.Revocations;
using Marten;

namespace Ledger.Revocation.Features.FluxInterop;

/// <summary>
/// The unsigned Flux revocations.json, written once per feed version: a request reads the log
/// head, and only a new version reads the revoked licenses again.
/// </summary>
public sealed class FluxRevocationSetPublisher(IDocumentStore store, FeedPublisher feeds, LedgerIssuer issuer)
{
    private readonly SemaphoreSlim _building = new(1, 1);
    private (long Version, string Json)? _cached;

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        var (version, _) = await feeds.HeadAsync(cancellationToken);
        if (_cached is { } cached && cached.Version == version)
        {
            return cached.Json;
        }

        await _building.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } built && built.Version == version)
            {
                return built.Json;
            }

            await using var session = store.QuerySession();
            var licenses = await session.Query<RevocationRecord>()
                .Where(r => r.Kind == RevocationRecord.LicenseKind && r.FeedVersion <= version)
                .ToListAsync(cancellationToken);
            var json = new FluxRevocationSet(issuer.Name, licenses.ToDictionary(r => r.Id, r => r.RevokedAt)).ToJson();
            _cached = (version, json);
            return json;
        }
        finally
        {
            _building.Release();
        }
    }
}
