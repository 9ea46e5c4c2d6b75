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
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Notary.Features.KeyManagement;

/// <summary>gRPC <c>ledger.notary.v1.Keys</c>.</summary>
[Authorize]
public sealed class KeysService(KeyLifecycle lifecycle, KeyRing ring, KeyUsage usage, IDocumentStore store, LedgerIssuer issuer, TimeProvider clock)
    : Contracts.Notary.V1.Keys.KeysBase
{
    private const int MaxReasonLength = 500;

    public override Task<GetJwksResponse> GetJwks(GetJwksRequest request, ServerCallContext context)
    {
        var purpose = request.Purpose == Contracts.Notary.V1.KeyPurpose.Unspecified ? (Keys.KeyPurpose?)null : ProtoMapping.RequirePurpose(request.Purpose);
        return Task.FromResult(new GetJwksResponse { JwksJson = JwksDocument.Build(ring, purpose).Json, Issuer = issuer.Name });
    }

    [Authorize(Roles = LedgerRoles.KeyAdminOrAuditor)]
    public override async Task<ListKeysResponse> ListKeys(ListKeysRequest request, ServerCallContext context)
    {
        var purpose = request.Purpose == Contracts.Notary.V1.KeyPurpose.Unspecified ? (Keys.KeyPurpose?)null : ProtoMapping.RequirePurpose(request.Purpose);
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
        var kid = ProtoMapping.RequireKid(request.Kid);
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
            Event = e.EventTypeName is { Length: > 0 } ? e.Data.GetType().Name : e.Data.GetType().Name,
            At = e.Timestamp.ToTimestamp(),
            RequestedBy = (e.Data as IKeyEvent)?.RequestedBy ?? "",
            DataJson = JsonSerializer.Serialize(e.Data, e.Data.GetType()),
        }));
        return response;
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<RotateKeyResponse> RotateKey(RotateKeyRequest request, ServerCallContext context)
    {
        var purpose = ProtoMapping.RequirePurpose(request.Purpose);
        var reason = Reason(request.Reason);
        DateTimeOffset? activateAt = request.ActivateAt?.ToDateTimeOffset();
        if (activateAt is { } at && at > clock.GetUtcNow().AddDays(366))
        {
            throw RequestValidation.Invalid("activate_at", "must be within a year from now");
        }

        var rotation = await lifecycle.RotateAsync(purpose, activateAt, reason, CallerIdentity.Of(context), context.CancellationToken);
        return new RotateKeyResponse
        {
            NewKey = ProtoMapping.ToProto(rotation.NewKey, null),
            PreviousKid = rotation.Previous?.Id.ToString() ?? "",
        };
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<RetireKeyResponse> RetireKey(RetireKeyRequest request, ServerCallContext context)
    {
        var kid = ProtoMapping.RequireKid(request.Kid);
        var key = await lifecycle.RetireAsync(kid, Reason(request.Reason), CallerIdentity.Of(context), context.CancellationToken);
        return new RetireKeyResponse { Key = ProtoMapping.ToProto(key, null) };
    }

    [Authorize(Roles = LedgerRoles.KeyAdmin)]
    public override async Task<MarkKeyCompromisedResponse> MarkKeyCompromised(MarkKeyCompromisedRequest request, ServerCallContext context)
    {
        var kid = ProtoMapping.RequireKid(request.Kid);
        var reason = Reason(request.Reason);
        var (key, replacement) = await lifecycle.MarkCompromisedAsync(kid, reason, CallerIdentity.Of(context), context.CancellationToken);
        var response = new MarkKeyCompromisedResponse { Key = ProtoMapping.ToProto(key, null) };
        if (replacement is not null)
        {
            response.Replacement = ProtoMapping.ToProto(replacement, null);
        }

        return response;
    }

    private static string Reason(string reason) =>
        reason.Length <= MaxReasonLength ? reason : throw RequestValidation.Invalid("reason", $"at most {MaxReasonLength} characters");
}
