using System.Security.Cryptography;
using Google.Protobuf;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Marten;
using JasperFx;
using Marten.Exceptions;

namespace Ledger.Issuance.Idempotency;

/// <summary>
/// Runs a mutating request at most once per idempotency key: a retry with the same key and
/// request gets the first response; the same key with another request is FailedPrecondition.
/// Two concurrent first attempts race on the record's primary key and the loser answers as
/// a retry, so a key never yields two results.
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
        var id = $"{operation}:{caller}:{key}";
        var hash = RequestHash(request);
        if (await FindAsync<TResponse>(id, hash, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        await using var session = store.LightweightSession();
        var response = await work(session);
        session.Insert(new IdempotencyRecord { Id = id, RequestHash = hash, Response = response.ToByteArray(), RecordedAt = clock.GetUtcNow() });
        try
        {
            await session.SaveChangesAsync(cancellationToken);
            return response;
        }
        catch (DocumentAlreadyExistsException)
        {
            return await FindAsync<TResponse>(id, hash, cancellationToken)
                ?? throw new InvalidOperationException($"Idempotency record {id} vanished after a conflict.");
        }
    }

    /// <summary>Checks a key is present and well-formed; call it with the other field checks.</summary>
    public static void Validate(RequestValidation validation, string key) =>
        validation.Require(key.Length is > 0 and <= MaxKeyLength && key.All(c => c is > ' ' and < '\u007f'),
            "idempotency_key", $"required: 1 to {MaxKeyLength} printable ASCII characters, unique per intended change (a UUID works)");

    private async Task<TResponse?> FindAsync<TResponse>(string id, string hash, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new()
    {
        await using var query = store.QuerySession();
        var record = await query.LoadAsync<IdempotencyRecord>(id, cancellationToken);
        if (record is null)
        {
            return default;
        }

        if (record.RequestHash != hash)
        {
            throw new RuleViolation(
                $"The idempotency key '{id[(id.LastIndexOf(':') + 1)..]}' was already used at {record.RecordedAt:u} for a different request. " +
                "Use a new key for a new change; reuse a key only to retry the identical request.");
        }

        var response = new TResponse();
        response.MergeFrom(record.Response);
        return response;
    }

    private static string RequestHash<TRequest>(TRequest request) where TRequest : IMessage<TRequest>
    {
        var copy = request.Clone();
        copy.Descriptor.FindFieldByName("idempotency_key")?.Accessor.Clear(copy);
        return Convert.ToHexStringLower(SHA256.HashData(copy.ToByteArray()));
    }
}
