using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.NotaryClient;

namespace Ledger.Issuance.Features.Importing;

/// <summary>The public keys of Notary's license ring, imported Flux keys included (asked per import: imports are rare).</summary>
public sealed class LicenseRing(Keys.KeysClient notary)
{
    public async Task<JsonWebKeySet> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await notary.GetJwksAsync(new GetJwksRequest { Purpose = KeyPurpose.License }, cancellationToken: cancellationToken);
            return JsonWebKeySet.Parse(response.JwksJson);
        }
        catch (RpcException e) when (NotaryUnavailable.Is(e))
        {
            throw NotaryUnavailable.Because(e, "read the license ring's public keys to check the imported license keys", "nothing was imported; retry when Notary is reachable");
        }
    }
}
