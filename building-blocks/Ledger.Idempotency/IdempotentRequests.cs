using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using JasperFx;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Marten;
using Marten.Exceptions;

namespace Ledger.Idempotency;

/// <summary>
/// Runs a mutating request at most once per idempotency key. A retry (same key, same request) gets the
/// first response; the same key with another request is FailedPrecondition. The record is inserted in
/// the same session as the request's events, so both commit or neither does; of two concurrent first
/// attempts, the one that loses the insert answers with the winner's response.
/// </summary>
public sealed class IdempotentRequests(IDocumentStore store, TimeProvider clock)
{
    public const int MaxKeyLength = 128;

    public delegate Task<TResponse> Work<TResponse>(IDocumentSession session);

    public async Task<TResponse> RunAsync<TRequest, TResponse>(
        string operation, string caller, string key, TRequest request, Work<TResponse> work, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>, new()
    {
        var call = Call(operation, caller, key, request);
        if (await LoadAsync<TResponse>(call, cancellationToken) is { } first)
        {
            return first;
        }

        await using var session = store.LightweightSession();
        var response = await work(session);
        Record(session, call, response);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
            return response;
        }
        catch (DocumentAlreadyExistsException)
        {
            return await LoadAsync<TResponse>(call, cancellationToken)
                ?? throw new InvalidOperationException($"Idempotency record {call.Id} conflicted on insert but cannot be read.");
        }
        catch (ExistingStreamIdCollisionException)
        {
            // Another request started the same stream first (a vendor ring, or a vendor's statement id).
            throw ErrorReasons.Failure(StatusCode.Aborted, ErrorReasons.ConcurrentCreate,
                "Another request created the same record at the same moment; nothing was recorded for this one. Read the record, then retry if it is still needed.");
        }
    }

    /// <summary>A request's place among idempotency records: its record id and the hash of its fields without the key.</summary>
    public static IdempotentCall Call<TRequest>(string operation, string caller, string key, TRequest request) where TRequest : IMessage<TRequest> =>
        new($"{operation}:{caller}:{key}", key, HashWithoutKey(request));

    /// <summary>
    /// The records of many calls in one query (for requests committed together, as Issuance's group
    /// commit does), by record id; a call with no record is absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IdempotencyRecord>> FindAsync(IEnumerable<IdempotentCall> calls, CancellationToken cancellationToken)
    {
        var ids = calls.Select(c => c.Id).Distinct(StringComparer.Ordinal).ToArray();
        await using var query = store.QuerySession();
        var records = await query.LoadManyAsync<IdempotencyRecord>(cancellationToken, ids);
        return records.ToDictionary(r => r.Id, StringComparer.Ordinal);
    }

    /// <summary>The first response recorded for the call; a record of a different request under the same key is a <see cref="RuleViolation"/>.</summary>
    public static TResponse Replay<TResponse>(IdempotencyRecord record, IdempotentCall call) where TResponse : IMessage<TResponse>, new()
    {
        if (record.RequestHash != call.RequestHash)
        {
            throw new RuleViolation(
                $"The idempotency key '{call.Key}' was already used at {record.RecordedAt:u} for a different request. " +
                "Send a new key with a new request; reuse a key only to retry exactly the same request.",
                ErrorReasons.IdempotencyKeyReused);
        }

        var response = new TResponse();
        response.MergeFrom(record.Response);
        return response;
    }

    /// <summary>Adds the call's record to the session that holds its events, so both commit or neither does.</summary>
    public void Record<TResponse>(IDocumentSession session, IdempotentCall call, TResponse response) where TResponse : IMessage<TResponse> =>
        session.Insert(new IdempotencyRecord { Id = call.Id, RequestHash = call.RequestHash, Response = response.ToByteArray(), RecordedAt = clock.GetUtcNow() });

    /// <summary>Checks the key with the request's other fields.</summary>
    public static void Validate(RequestValidation validation, string key) =>
        validation.Require(key.Length is > 0 and <= MaxKeyLength && key.All(c => c is > ' ' and < '\u007f'),
            "idempotency_key", $"required: 1 to {MaxKeyLength} printable ASCII characters, one per intended change (a UUID works)");

    private async Task<TResponse?> LoadAsync<TResponse>(IdempotentCall call, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new()
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<IdempotencyRecord>(call.Id, cancellationToken) is { } record
            ? Replay<TResponse>(record, call)
            : default;
    }

    private static string HashWithoutKey<TRequest>(TRequest request) where TRequest : IMessage<TRequest>
    {
        var withoutKey = request.Clone();
        withoutKey.Descriptor.FindFieldByName("idempotency_key")?.Accessor.Clear(withoutKey);
        return Convert.ToHexStringLower(SHA256.HashData(withoutKey.ToByteArray()));
    }
}
