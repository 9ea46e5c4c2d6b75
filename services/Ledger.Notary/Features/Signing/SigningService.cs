using Google.Protobuf;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Notary.Features.KeyManagement;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ClientTokens;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Notary.Features.Signing;

/// <summary>
/// gRPC <c>ledger.notary.v1.Signing</c>. Only the services' own identities sign, each for its own purpose
/// (license-signer, feed-signer, attestation-signer); the API roles clients hold never do.
/// </summary>
[Authorize(Roles = LedgerRoles.Signer)]
public sealed class SigningService(Signer signer) : Contracts.Notary.V1.Signing.SigningBase
{
    public override async Task<SignResponse> Sign(SignRequest request, ServerCallContext context)
    {
        var purpose = ProtoMapping.RequirePurpose(request.Purpose);
        RequireSignerOf(purpose, context);
        RequirePayload(request.Payload, "payload", purpose);
        var signed = await signer.SignAsync(
            purpose, [request.Payload.Memory], Typ(request.Typ), ExpiresAt(request.ExpiresAt), CallerIdentity.Of(context), context.CancellationToken);
        return new SignResponse { Jws = signed.Jws[0], Kid = signed.Key.Id.ToString(), LogIndex = signed.LogIndexes[0] };
    }

    public override async Task<SignBatchResponse> SignBatch(SignBatchRequest request, ServerCallContext context)
    {
        var purpose = ProtoMapping.RequirePurpose(request.Purpose);
        RequireSignerOf(purpose, context);
        if (request.Payloads.Count == 0)
        {
            throw RequestValidation.Invalid("payloads", "required: at least one payload");
        }

        if (request.Payloads.Count > Signer.MaxBatch)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"payloads: {request.Payloads.Count} payloads is over the limit of {Signer.MaxBatch} per call; split the batch."));
        }

        for (var i = 0; i < request.Payloads.Count; i++)
        {
            RequirePayload(request.Payloads[i], $"payloads[{i}]", purpose);
        }

        var signed = await signer.SignAsync(
            purpose, request.Payloads.Select(p => p.Memory).ToList(), Typ(request.Typ), ExpiresAt(request.ExpiresAt), CallerIdentity.Of(context), context.CancellationToken);
        var response = new SignBatchResponse { Kid = signed.Key.Id.ToString() };
        response.Jws.AddRange(signed.Jws);
        response.LogIndexes.AddRange(signed.LogIndexes);
        return response;
    }

    public override async Task<CountersignResponse> Countersign(CountersignRequest request, ServerCallContext context)
    {
        var purpose = ProtoMapping.RequirePurpose(request.Purpose);
        if (purpose != Ledger.Notary.Keys.KeyPurpose.Attestation)
        {
            // A countersignature is a JWS signature over the caller's payload: for a license or a feed it
            // would be a whole token that skipped Sign's checks (a feed's version against the revocation log).
            throw RequestValidation.Invalid("purpose",
                $"Countersign is for attestations only (KEY_PURPOSE_ATTESTATION); {purpose.Name()} payloads are signed whole with Sign or SignBatch.");
        }

        RequireSignerOf(purpose, context);
        RequirePayload(request.Payload, "payload", purpose);
        var countersignature = await signer.CountersignAsync(
            purpose, request.Payload.Memory, Typ(request.Typ), ExpiresAt(request.ExpiresAt), CallerIdentity.Of(context), context.CancellationToken);
        return new CountersignResponse
        {
            Protected = countersignature.Protected,
            Signature = countersignature.Signature,
            Kid = countersignature.Key.Id.ToString(),
            LogIndex = countersignature.LogIndex,
        };
    }

    /// <summary>Least privilege: Issuance's identity signs licenses, Revocation's feeds, Attestation's attestations; none signs the others'.</summary>
    private static void RequireSignerOf(Ledger.Notary.Keys.KeyPurpose purpose, ServerCallContext context)
    {
        if (!purpose.Signs())
        {
            throw new RuleViolation($"{purpose.Name()} keys encrypt; they never sign. Use the license, attestation or feed purpose.", ErrorReasons.PurposeCannotSign);
        }

        var role = purpose switch
        {
            Ledger.Notary.Keys.KeyPurpose.License => LedgerRoles.LicenseSigner,
            Ledger.Notary.Keys.KeyPurpose.Feed => LedgerRoles.FeedSigner,
            Ledger.Notary.Keys.KeyPurpose.Attestation => LedgerRoles.AttestationSigner,
            _ => null,
        };
        if (role is null)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"Only Notary signs with its {purpose.Name()} key (the signature log's checkpoints); no client may ask for it."));
        }

        if (!context.GetHttpContext().User.IsInRole(role))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"Client '{CallerIdentity.Of(context)}' may not sign {purpose.Name()} payloads; that needs the '{role}' role, which only the service that owns the purpose holds (docs/SECURITY.md)."));
        }
    }

    private static DateTimeOffset? ExpiresAt(Google.Protobuf.WellKnownTypes.Timestamp? requested)
    {
        var validation = new RequestValidation();
        var expiresAt = validation.Time(requested, "expires_at");
        validation.ThrowIfInvalid();
        return expiresAt;
    }

    private static void RequirePayload(ByteString payload, string field, Ledger.Notary.Keys.KeyPurpose purpose)
    {
        if (payload.Length == 0)
        {
            throw RequestValidation.Invalid(field, "required: a payload of at least one byte");
        }

        var limit = Signer.PayloadLimit(purpose);
        if (payload.Length > limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"{field}: {payload.Length} bytes is over the limit of {limit} bytes per {purpose.Name()} payload."));
        }
    }

    private static string Typ(string typ)
    {
        return typ.Length <= 64 && typ.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.' or '/')
            ? typ
            : throw RequestValidation.Invalid("typ", "at most 64 characters of letters, digits, '+', '-', '.', '/' (e.g. license+jwt)");
    }
}
