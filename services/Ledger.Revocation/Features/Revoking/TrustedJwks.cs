using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.Revocation.Features.Revoking;

/// <summary>Notary's JWKS of license keys, cached briefly, to check a presented license key before trusting its jti.</summary>
public sealed class TrustedJwks(Keys.KeysClient notary, TimeProvider clock)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private (JsonWebKeySet Keys, DateTimeOffset FetchedAt)? _cached;

    public async Task<JsonWebKeySet> LicenseKeysAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && clock.GetUtcNow() - cached.FetchedAt < MaxAge)
        {
            return cached.Keys;
        }

        GetJwksResponse response;
        try
        {
            response = await notary.GetJwksAsync(
                new GetJwksRequest { Purpose = KeyPurpose.License }, deadline: DateTime.UtcNow + Timeout, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Notary's status is not the client's: whatever it was, the presented key could not be checked.
            throw ErrorReasons.Failure(StatusCode.Unavailable, ErrorReasons.NotaryUnavailable,
                $"Revocation could not fetch Notary's license keys to check the presented license key ({e.StatusCode}: {e.Status.Detail}); nothing was revoked. " +
                "Retry shortly, or revoke by license_id.",
                ErrorReasons.RetryDelay);
        }

        var keys = JsonWebKeySet.Parse(response.JwksJson);
        _cached = (keys, clock.GetUtcNow());
        return keys;
    }
}
