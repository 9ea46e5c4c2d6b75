using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.Notary.Features.Publishing;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using Ledger.ClientTokens;
using Ledger.Idempotency;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Notary.Features.KeyManagement;

/// <summary>gRPC <c>ledger.notary.v1.Keys</c>.</summary>
[Authorize]
public sealed class KeysService(KeyLifecycle lifecycle, KeyRing ring, KeyUsage usage, IDocumentStore store, LedgerIssuer issuer, TimeProvider clock)
    : Contracts.Notary.V1.Keys.KeysBase
{
    private const int MaxReasonLength = 500;
    private const int MaxImportedJwksLength = 64 * 1024;

    public override Task<GetJwksResponse> GetJwks(GetJwksRequest request, ServerCallContext context)
    {
        var purpose = ProtoMapping.PurposeFilter(request.Purpose);
        return Task.FromResult(new GetJwksResponse { JwksJson = JwksDocument.Build(ring, purpose).Json, Issuer = issuer.Name });
    }

    [Authorize(Roles = LedgerRoles.KeyAdminOrAuditor)]
    public override async Task<ListKeysResponse> ListKeys(ListKeysRequest request, ServerCallContext context)
    {
        var purpose = ProtoMapping.PurposeFilter(request.Purpose);
        await using var session = store.QuerySession();
        var keys = await session.Query<SigningKey>().ToListAsync(context.CancellationToken);
        var signedUntil = await usage.ReadAllAsync(context.CancellationToken);
        var response = new ListKeysResponse();
        response.Keys.AddRange(keys
            .Where(k => purpose is null || k.Purpose == purpose)
            .OrderBy(k => k.Purpose).ThenBy(k => k.CreatedAt)
            .Select(k => ProtoMapping.ToProto(k, signedUntil.TryGetValue(k.Id, out var until) ? until : null)));
        return response;
    }

    [Authorize(Roles = LedgerRoles.KeyAdminOrAuditor)]
    public override async Task<GetKeyHistoryResponse> GetKeyHistory(GetKeyHistoryRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var kid = ProtoMapping.Kid(validation, request.Kid);
        validation.ThrowIfInvalid();
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(kid, token: context.CancellationToken);
        if (events.Count == 0)
        {
            throw new RecordNotFound($"No key with kid {kid}. List keys with ListKeys.", ErrorReasons.KeyNotFound);
        }

        var response = new GetKeyHistoryResponse();
        response.Entries.AddRange(events.Select(e => new KeyHistoryEntry
        {
            Version = e.Version,
            Event = e.Data.GetType().Name,
            At = e.Timestamp.ToTimestamp(),
            RequestedBy = (e.Data as IKeyEvent)?.RequestedBy ?? "",
            DataJson = JsonSerializer.Serialize(e.Data, e.Data.GetType()),
        }));
        return response;
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<RotateKeyResponse> RotateKey(RotateKeyRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var purpose = ProtoMapping.Purpose(validation, request.Purpose);
        var reason = Reason(validation, request.Reason);
        IdempotentRequests.Validate(validation, request.IdempotencyKey);
        var activateAt = validation.Time(request.ActivateAt, "activate_at");
        validation.Require(activateAt is not { } at || at <= clock.GetUtcNow().AddDays(366), "activate_at", "must be within a year from now");
        validation.ThrowIfInvalid();

        var caller = CallerIdentity.Of(context);
        var call = IdempotentRequests.Call(nameof(RotateKey), caller, request.IdempotencyKey, request);
        return await lifecycle.RotateAsync(purpose!.Value, activateAt, reason, caller, call, context.CancellationToken);
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<RetireKeyResponse> RetireKey(RetireKeyRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var kid = ProtoMapping.Kid(validation, request.Kid);
        var reason = Reason(validation, request.Reason);
        validation.ThrowIfInvalid();
        var key = await lifecycle.RetireAsync(kid, reason, CallerIdentity.Of(context), context.CancellationToken);
        return new RetireKeyResponse { Key = ProtoMapping.ToProto(key, null) };
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<MarkKeyCompromisedResponse> MarkKeyCompromised(MarkKeyCompromisedRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var kid = ProtoMapping.Kid(validation, request.Kid);
        var reason = Reason(validation, request.Reason);
        validation.ThrowIfInvalid();
        var (key, replacement) = await lifecycle.MarkCompromisedAsync(kid, reason, CallerIdentity.Of(context), context.CancellationToken);
        var response = new MarkKeyCompromisedResponse { Key = ProtoMapping.ToProto(key, null) };
        if (replacement is not null)
        {
            response.Replacement = ProtoMapping.ToProto(replacement, null);
        }

        return response;
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<ImportKeyResponse> ImportKey(ImportKeyRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        var purpose = ProtoMapping.Purpose(validation, request.Purpose);
        if (purpose is { } named && !named.SignsOnRequest())
        {
            validation.Fail("purpose",
                "must be a signing ring that signs on request (KEY_PURPOSE_LICENSE, KEY_PURPOSE_ATTESTATION or KEY_PURPOSE_FEED); encryption keys are not imported, and the checkpoint key is Notary's own");
        }

        var imported = ImportedKey(validation, request.PrivateJwksJson, purpose);
        var signedUntil = validation.Time(request.SignedUntil, "signed_until");
        validation.Require(signedUntil is not { } until || until > clock.GetUtcNow(), "signed_until",
            "must be in the future (what the key signed is still valid until then), or unset to keep the key until it is retired by hand");
        var reason = Reason(validation, request.Reason);
        validation.ThrowIfInvalid();
        var (key, issuer) = imported!.Value;
        var rotation = await lifecycle.ImportAsync(purpose!.Value, key, issuer, request.Activate, signedUntil, reason, CallerIdentity.Of(context), context.CancellationToken);
        return new ImportKeyResponse
        {
            Key = ProtoMapping.ToProto(rotation.NewKey, signedUntil ?? KeyUsage.Forever),
            PreviousKid = rotation.Previous?.Id.ToString() ?? "",
        };
    }

    /// <summary>
    /// The one Ed25519 private key of a Flux-style signing JWKS, with a UUID kid, and the set's issuer;
    /// null, with the reason reported, when the set is not one Notary can import into the ring of <paramref name="purpose"/>.
    /// </summary>
    private static (Crypto.JsonWebKey Key, string? Issuer)? ImportedKey(RequestValidation validation, string json, Keys.KeyPurpose? purpose)
    {
        const string Field = "private_jwks_json";
        if (string.IsNullOrWhiteSpace(json) || json.Length > MaxImportedJwksLength)
        {
            validation.Fail(Field, $"required: a private JWKS of at most {MaxImportedJwksLength} characters holding one Ed25519 private key (a Flux <prefix>-sig-private.jwks)");
            return null;
        }

        Crypto.JsonWebKeySet set;
        try
        {
            set = Crypto.JsonWebKeySet.ParsePrivate(json);
        }
        catch (Crypto.JoseException e)
        {
            validation.Fail(Field, $"not a JWKS Notary can import: {e.Message}");
            return null;
        }

        if (set.Keys is not [{ IsEd25519: true, HasPrivateKey: true } key])
        {
            validation.Fail(Field, $"must hold exactly one Ed25519 private key (with 'd'); it holds {set.Keys.Count} key(s)");
            return null;
        }

        if (key.Kid is not { Length: 36 } kid || !Guid.TryParseExact(kid, "D", out _))
        {
            validation.Fail(Field, $"the key's kid must be a UUID (as Flux's keygen writes it), so it can be kept; got {(Crypto.KeyId.IsValid(key.Kid) ? $"'{key.Kid}'" : "none or an unprintable one")}");
            return null;
        }

        if (key.Purpose is { } named && purpose is { } ring && named != ring.Name())
        {
            validation.Fail(Field, $"the key names purpose '{named}', not '{ring.Name()}'; import it into its own ring");
            return null;
        }

        return (key, set.Issuer);
    }

    private static string Reason(RequestValidation validation, string reason)
    {
        validation.Require(reason.Length <= MaxReasonLength, "reason", $"at most {MaxReasonLength} characters");
        return reason;
    }
}
