using Grpc.Core;
using Ledger.Attestation.Features.ManagingVendorKeys;
using Ledger.Idempotency;
using Ledger.Crypto;
using Ledger.ServiceDefaults.Grpc;
using V1 = Ledger.Contracts.Attestation.V1;
using Ledger.ClientTokens;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Attestation.Features;

/// <summary>gRPC <c>ledger.attestation.v1.VendorKeys</c>: the vendor key ring.</summary>
[Authorize]
public sealed class VendorKeysService(IdempotentRequests idempotent, VendorKeyRingChanges ring) : V1.VendorKeys.VendorKeysBase
{
    private const int MaxJwkLength = 4096;

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<V1.VendorKeyResponse> RegisterVendorKey(V1.RegisterVendorKeyRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var vendorId = RequestRules.VendorId(validation, request.VendorId);
        var publicKey = PublicKey(validation, request.PublicJwk);
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        return await idempotent.RunAsync("register-vendor-key", caller, request.IdempotencyKey, request, async session =>
        {
            var key = await ring.RegisterAsync(session, vendorId, publicKey!, caller, request.IdempotencyKey, context.CancellationToken);
            return new V1.VendorKeyResponse { Key = key.ToProto(vendorId) };
        }, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<V1.VendorKeyResponse> RemoveVendorKey(V1.RemoveVendorKeyRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var vendorId = RequestRules.VendorId(validation, request.VendorId);
        validation.Require(KeyId.IsValid(request.Kid), "kid", "required: the key's kid, its RFC 7638 thumbprint as ListVendorKeys shows it");
        var reason = RequestRules.Text(validation, request.Reason, "reason", required: true);
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        return await idempotent.RunAsync("remove-vendor-key", caller, request.IdempotencyKey, request, async session =>
        {
            var key = await ring.RemoveAsync(session, vendorId, request.Kid, reason!, caller, request.IdempotencyKey, context.CancellationToken);
            return new V1.VendorKeyResponse { Key = key.ToProto(vendorId) };
        }, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.KeyAdminOrAuditor)]
    public override async Task<V1.ListVendorKeysResponse> ListVendorKeys(V1.ListVendorKeysRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var vendorId = RequestRules.VendorId(validation, request.VendorId);
        validation.ThrowIfInvalid();

        var response = new V1.ListVendorKeysResponse();
        response.Keys.AddRange((await ring.ListAsync(vendorId, context.CancellationToken)).Select(k => k.ToProto(vendorId)));
        return response;
    }

    /// <summary>A public Ed25519 signing key whose kid, if it names one, is its own thumbprint.</summary>
    private static JsonWebKey? PublicKey(RequestValidation validation, string json)
    {
        const string field = "public_jwk";
        if (string.IsNullOrWhiteSpace(json) || json.Length > MaxJwkLength)
        {
            validation.Fail(field, $"required: the vendor's public OKP/Ed25519 JWK (RFC 8037) as JSON, at most {MaxJwkLength} characters");
            return null;
        }

        JsonWebKey key;
        try
        {
            key = JsonWebKey.Parse(json);
        }
        catch (JoseException e)
        {
            validation.Fail(field, e.Message);
            return null;
        }

        if (key.HasPrivateKey)
        {
            // The message never repeats the key: it holds a private seed.
            validation.Fail(field, "the JWK carries the private key ('d'). Send only the public half; the private key never leaves the vendor. Treat this key as exposed and generate a new pair.");
            return null;
        }

        if (!key.IsEd25519)
        {
            validation.Fail(field, $"a {key.Kty}/{key.Crv} key cannot sign statements; vendors sign with OKP/Ed25519 keys (EdDSA)");
            return null;
        }

        var thumbprint = key.Thumbprint();
        if (key.Kid is not null && key.Kid != thumbprint)
        {
            validation.Fail(field, $"its kid '{key.Kid}' is not the key's RFC 7638 thumbprint '{thumbprint}'; omit kid, or set it to the thumbprint (statements name the key by it)");
            return null;
        }

        return key;
    }
}
