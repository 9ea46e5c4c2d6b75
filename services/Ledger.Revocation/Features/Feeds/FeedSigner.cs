using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.NotaryClient;

namespace Ledger.Revocation.Features.Feeds;

/// <summary>Has Notary sign feeds and filters with its <c>feed</c> key.</summary>
public sealed class FeedSigner(Signing.SigningClient notary)
{
    public const string FeedType = "revocation-feed+jwt";
    public const string FilterType = "revocation-filter+jwt";

    public async Task<string> SignAsync(byte[] payload, string typ, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        try
        {
            var signed = await notary.SignAsync(new SignRequest
            {
                Purpose = KeyPurpose.Feed, Payload = ByteString.CopyFrom(payload), Typ = typ, ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
            }, cancellationToken: cancellationToken);
            return signed.Jws;
        }
        catch (RpcException e) when (NotaryUnavailable.Is(e))
        {
            throw NotaryUnavailable.Because(e, "sign the feed", "the last signed feed stays valid until it expires, retry shortly");
        }
    }
}
