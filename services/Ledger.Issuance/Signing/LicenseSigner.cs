using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Verification;
using Ledger.NotaryClient;

namespace Ledger.Issuance.Signing;

/// <summary>Has Notary sign license keys; Issuance never holds a private key.</summary>
public sealed class LicenseSigner(Contracts.Notary.V1.Signing.SigningClient notary)
{
    /// <summary>Signs the payloads (all of one profile, <paramref name="typ"/>); each result carries its index in Notary's signature log, to be stored with the license.</summary>
    public async Task<IReadOnlyList<(string Token, string Kid, long LogIndex)>> SignAsync(
        IReadOnlyList<byte[]> payloads, DateTimeOffset latestExpiry, CancellationToken cancellationToken, string typ = LicenseClaims.TokenType)
    {
        try
        {
            var request = new SignBatchRequest
            {
                Purpose = KeyPurpose.License,
                Typ = typ,
                ExpiresAt = Timestamp.FromDateTimeOffset(latestExpiry),
            };
            request.Payloads.AddRange(payloads.Select(ByteString.CopyFrom));
            var signed = await notary.SignBatchAsync(request, cancellationToken: cancellationToken);
            return signed.Jws.Select((jws, i) => (jws, signed.Kid, signed.LogIndexes[i])).ToList();
        }
        catch (RpcException e) when (NotaryUnavailable.Is(e))
        {
            throw NotaryUnavailable.Because(e, "sign the license key", "nothing was recorded, retry with the same idempotency key");
        }
    }
}
