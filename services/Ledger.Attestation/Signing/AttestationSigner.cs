using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Attestation.Statements;
using Ledger.Contracts.Notary.V1;
using Ledger.Crypto;
using Ledger.NotaryClient;

namespace Ledger.Attestation.Signing;

/// <summary>Has Notary sign and countersign statements with its attestation key; Attestation never holds a private key.</summary>
public sealed class AttestationSigner(Contracts.Notary.V1.Signing.SigningClient notary, TimeProvider clock)
{
    /// <summary>
    /// Notary requires an expiry for every signature (it keeps the key published until then). A statement
    /// without <c>exp</c> is signed with this horizon: its key stays in the JWKS for ten years.
    /// </summary>
    public static readonly TimeSpan NoExpiryHorizon = TimeSpan.FromDays(3650);

    public sealed record Signed(string Jws, string Kid);

    public sealed record Countersigned(JwsJsonSignature Signature, string Kid);

    public async Task<Signed> SignAsync(byte[] statement, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var request = new SignRequest
        {
            Purpose = KeyPurpose.Attestation,
            Payload = ByteString.CopyFrom(statement),
            Typ = AttestationStatement.TokenType,
            ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt ?? clock.GetUtcNow() + NoExpiryHorizon),
        };
        var signed = await CallAsync(() => notary.SignAsync(request, cancellationToken: cancellationToken).ResponseAsync, "sign the statement");
        return new Signed(signed.Jws, signed.Kid);
    }

    /// <summary>Notary's signature over exactly the bytes the vendor signed, as a JWS JSON signature object.</summary>
    public async Task<Countersigned> CountersignAsync(byte[] statement, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var request = new Contracts.Notary.V1.CountersignRequest
        {
            Purpose = KeyPurpose.Attestation,
            Payload = ByteString.CopyFrom(statement),
            Typ = AttestationStatement.TokenType,
            ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt ?? clock.GetUtcNow() + NoExpiryHorizon),
        };
        var signed = await CallAsync(() => notary.CountersignAsync(request, cancellationToken: cancellationToken).ResponseAsync, "countersign the statement");
        return new Countersigned(new JwsJsonSignature(signed.Protected, signed.Signature), signed.Kid);
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call, string what)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (NotaryUnavailable.Is(e))
        {
            throw NotaryUnavailable.Because(e, what, "nothing was recorded, retry with the same idempotency key");
        }
    }
}
