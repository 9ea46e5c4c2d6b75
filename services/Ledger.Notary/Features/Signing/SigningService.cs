using Google.Protobuf;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Notary.Features.KeyManagement;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ClientTokens;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Notary.Features.Signing;

/// <summary>gRPC <c>ledger.notary.v1.Signing</c>. Each purpose has its signer role: a client may sign only what its role issues.</summary>
[Authorize(Roles = LedgerRoles.Signer)]
public sealed class SigningService(Signer signer) : Contracts.Notary.V1.Signing.SigningBase
{
    public override async Task<SignResponse> Sign(SignRequest request, ServerCallContext context)
    {
        var purpose = ProtoMapping.RequirePurpose(request.Purpose);
        RequireSignerOf(purpose, context);
        RequirePayload(request.Payload, "payload", purpose);
        var signed = await signer.SignAsync(purpose, [request.Payload.Memory], Typ(request.Typ), request.ExpiresAt?.ToDateTimeOffset(), context.CancellationToken);
        return new SignResponse { Jws = signed.Jws[0], Kid = signed.Key.Id.ToString() };
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
            purpose, request.Payloads.Select(p => p.Memory).ToList(), Typ(request.Typ), request.ExpiresAt?.ToDateTimeOffset(), context.CancellationToken);
        var response = new SignBatchResponse { Kid = signed.Key.Id.ToString() };
        response.Jws.AddRange(signed.Jws);
        return response;
    }

    public override async Task<CountersignResponse> Countersign(CountersignRequest request, ServerCallContext context)
    {
        var purpose = ProtoMapping.RequirePurpose(request.Purpose);
        RequireSignerOf(purpose, context);
        RequirePayload(request.Payload, "payload", purpose);
        var countersignature = await signer.CountersignAsync(
            purpose, request.Payload.Memory, Typ(request.Typ), request.ExpiresAt?.ToDateTimeOffset(), context.CancellationToken);
        return new CountersignResponse
        {
            Protected = countersignature.Protected,
            Signature = countersignature.Signature,
            Kid = countersignature.Key.Id.ToString(),
        };
    }

    /// <summary>Least privilege: Issuance signs licenses, Revocation feeds, Attestation attestations; none signs the others'.</summary>
    private static void RequireSignerOf(Ledger.Notary.Keys.KeyPurpose purpose, ServerCallContext context)
    {
        var role = purpose switch
        {
            Ledger.Notary.Keys.KeyPurpose.License => LedgerRoles.Issuer,
            Ledger.Notary.Keys.KeyPurpose.Feed => LedgerRoles.Revoker,
            Ledger.Notary.Keys.KeyPurpose.Attestation => LedgerRoles.Attestor,
            _ => null,
        };
        if (role is not null && !context.GetHttpContext().User.IsInRole(role))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"Client '{CallerIdentity.Of(context)}' may not sign {purpose.Name()} payloads; that needs the '{role}' role."));
        }
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

    private static string? Typ(string typ)
    {
        if (typ.Length == 0)
        {
            return null;
        }

        return typ.Length <= 64 && typ.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.' or '/')
            ? typ
            : throw RequestValidation.Invalid("typ", "at most 64 characters of letters, digits, '+', '-', '.', '/' (e.g. license+jwt)");
    }
}
