using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;

namespace Ledger.Attestation.Signing;

/// <summary>
/// Notary's JWKS of attestation keys, cached briefly. A kid the cache does not know triggers a fresh
/// fetch (at most one every few seconds, so made-up kids cannot flood Notary), so a key Notary just
/// rotated in is found at once. Retired and compromised keys leave the JWKS, and so stop verifying.
/// </summary>
public sealed class NotaryAttestationKeys(Keys.KeysClient notary, TimeProvider clock)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinRefetchInterval = TimeSpan.FromSeconds(2);

    private Snapshot? _cached;

    public async Task<JsonWebKeySet> GetAsync(IEnumerable<string> expectedKids, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cached is { } cached && now - cached.FetchedAt < MaxAge
            && (now - cached.FetchedAt < MinRefetchInterval || expectedKids.All(kid => cached.Keys.Find(kid) is not null)))
        {
            return cached.Keys;
        }

        var response = await notary.GetJwksAsync(new GetJwksRequest { Purpose = KeyPurpose.Attestation }, cancellationToken: cancellationToken);
        var fresh = new Snapshot(JsonWebKeySet.Parse(response.JwksJson), clock.GetUtcNow());
        _cached = fresh;
        return fresh.Keys;
    }

    private sealed record Snapshot(JsonWebKeySet Keys, DateTimeOffset FetchedAt);
}
