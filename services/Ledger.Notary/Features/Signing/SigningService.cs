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
        var validation = new RequestValidation();
        var purpose = SignablePurpose(validation, request.Purpose, context);
        RequirePayload(validation, request.Payload, "payload");
        var (typ, expiresAt) = Header(validation, request.Typ, request.ExpiresAt);
        validation.ThrowIfInvalid();
        RequireWithinLimit(request.Payload, "payload", purpose!.Value);
        var signed = await signer.SignAsync(
            purpose.Value, [request.Payload.Memory], typ, expiresAt, CallerIdentity.Of(context), context.CancellationToken);
        return new SignResponse { Jws = signed.Jws[0], Kid = signed.Key.Id.ToString(), LogIndex = signed.LogIndexes[0] };
    }

    public override async Task<SignBatchResponse> SignBatch(SignBatchRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var purpose = SignablePurpose(validation, request.Purpose, context);
        if (request.Payloads.Count > Signer.MaxBatch)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"payloads: {request.Payloads.Count} payloads is over the limit of {Signer.MaxBatch} per call; split the batch."));
        }

        validation.Require(request.Payloads.Count > 0, "payloads", "required: at least one payload");
        for (var i = 0; i < request.Payloads.Count; i++)
        {
            RequirePayload(validation, request.Payloads[i], $"payloads[{i}]");
        }

        var (typ, expiresAt) = Header(validation, request.Typ, request.ExpiresAt);
        validation.ThrowIfInvalid();
        var signing = purpose!.Value;
        for (var i = 0; i < request.Payloads.Count; i++)
        {
            RequireWithinLimit(request.Payloads[i], $"payloads[{i}]", signing);
        }

        var signed = await signer.SignAsync(
            signing, request.Payloads.Select(p => p.Memory).ToList(), typ, expiresAt, CallerIdentity.Of(context), context.CancellationToken);
        var response = new SignBatchResponse { Kid = signed.Key.Id.ToString() };
        response.Jws.AddRange(signed.Jws);
        response.LogIndexes.AddRange(signed.LogIndexes);
        return response;
    }

    public override async Task<CountersignResponse> Countersign(CountersignRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var purpose = ProtoMapping.Purpose(validation, request.Purpose);
        if (purpose is { } named && named != Ledger.Notary.Keys.KeyPurpose.Attestation)
        {
            // A countersignature is a JWS signature over the caller's payload: for a license or a feed it
            // would be a whole token that skipped Sign's checks (a feed's version against the revocation log).
            validation.Fail("purpose",
                $"Countersign is for attestations only (KEY_PURPOSE_ATTESTATION); {named.Name()} payloads are signed whole with Sign or SignBatch.");
        }
        else if (purpose is { } attestation)
        {
            RequireSignerOf(attestation, context);
        }

        RequirePayload(validation, request.Payload, "payload");
        var (typ, expiresAt) = Header(validation, request.Typ, request.ExpiresAt);
        validation.ThrowIfInvalid();
        RequireWithinLimit(request.Payload, "payload", purpose!.Value);
        var countersignature = await signer.CountersignAsync(
            purpose.Value, request.Payload.Memory, typ, expiresAt, CallerIdentity.Of(context), context.CancellationToken);
        return new CountersignResponse
        {
            Protected = countersignature.Protected,
            Signature = countersignature.Signature,
            Kid = countersignature.Key.Id.ToString(),
            LogIndex = countersignature.LogIndex,
        };
    }

    /// <summary>
    /// The purpose to sign for, once the caller is known to sign it: a purpose the caller's role does not
    /// sign is refused (PERMISSION_DENIED) before the payload is looked at; an unknown one is reported with the other fields.
    /// </summary>
    private static Ledger.Notary.Keys.KeyPurpose? SignablePurpose(RequestValidation validation, Contracts.Notary.V1.KeyPurpose requested, ServerCallContext context)
    {
        var purpose = ProtoMapping.Purpose(validation, requested);
        if (purpose is { } known)
        {
            RequireSignerOf(known, context);
        }

        return purpose;
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

    /// <summary>The JWS header's typ and the signature's expiry, each reported when invalid.</summary>
    private static (string Typ, DateTimeOffset? ExpiresAt) Header(RequestValidation validation, string typ, Google.Protobuf.WellKnownTypes.Timestamp? expiresAt)
    {
        validation.Require(typ.Length <= 64 && typ.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.' or '/'), "typ",
            "at most 64 characters of letters, digits, '+', '-', '.', '/' (e.g. license+jwt)");
        return (typ, validation.Time(expiresAt, "expires_at"));
    }

    private static void RequirePayload(RequestValidation validation, ByteString payload, string field) =>
        validation.Require(payload.Length > 0, field, "required: a payload of at least one byte");

    /// <summary>A payload over its purpose's limit is refused as too large (RESOURCE_EXHAUSTED), not as malformed.</summary>
    private static void RequireWithinLimit(ByteString payload, string field, Ledger.Notary.Keys.KeyPurpose purpose)
    {
        var limit = Signer.PayloadLimit(purpose);
        if (payload.Length > limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"{field}: {payload.Length} bytes is over the limit of {limit} bytes per {purpose.Name()} payload."));
        }
    }
}
