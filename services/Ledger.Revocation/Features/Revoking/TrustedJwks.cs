using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;

namespace Ledger.Revocation.Features.Revoking;

/// <summary>Notary's JWKS of license keys, cached briefly, to check a presented license key before trusting its jti.</summary>
public sealed class TrustedJwks(Keys.KeysClient notary, TimeProvider clock)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    private (JsonWebKeySet Keys, DateTimeOffset FetchedAt)? _cached;

    public async Task<JsonWebKeySet> LicenseKeysAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && clock.GetUtcNow() - cached.FetchedAt < MaxAge)
        {
            return cached.Keys;
        }

        var response = await notary.GetJwksAsync(new GetJwksRequest { Purpose = KeyPurpose.License }, cancellationToken: cancellationToken);
        var keys = JsonWebKeySet.Parse(response.JwksJson);
        _cached = (keys, clock.GetUtcNow());
        return keys;
    }
}
