using Grpc.Core;
using Grpc.Core.Interceptors;
using JasperFx;
using JasperFx.Events;
using Ledger.ServiceDefaults.Domain;
using Marten.Exceptions;
using Microsoft.Extensions.Logging;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>
/// Maps what escapes a handler to a gRPC status a client can act on, with a google.rpc.ErrorInfo
/// reason (and RetryInfo when retrying helps) in the status details; docs/API.md lists them.
/// Unknown failures become Internal with no detail (details stay in the log, never in the response).
/// </summary>
internal sealed class RpcExceptionInterceptor(ILogger<RpcExceptionInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Translate(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Translate(e, context);
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private RpcException Translate(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case RuleViolation violation:
                return ErrorReasons.Failure(StatusCode.FailedPrecondition, violation.Reason, e.Message);
            case RecordNotFound notFound:
                return ErrorReasons.Failure(StatusCode.NotFound, notFound.Reason, e.Message);
            case OperationCanceledException when context.Deadline <= DateTime.UtcNow:
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "The call's deadline passed before it finished; nothing was committed unless a later read shows it."));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled by the client."));
            case ConcurrencyException or EventStreamUnexpectedMaxEventIdException:
                return ErrorReasons.Failure(StatusCode.Aborted, ErrorReasons.ConcurrentChange,
                    "Another change to the same record committed first; read it again and retry.");
            case var _ when DatabaseOutage.Is(e):
                logger.LogWarning("PostgreSQL unavailable during {Method}: {Reason}", context.Method, Innermost(e).Message);
                return ErrorReasons.Failure(StatusCode.Unavailable, ErrorReasons.DatabaseUnavailable,
                    "The ledger's database is unreachable; retry shortly with the same idempotency key (a retry never applies a request twice).",
                    ErrorReasons.RetryDelay);
            default:
                logger.LogError(e, "Unhandled failure in {Method}", context.Method);
                return new RpcException(new Status(StatusCode.Internal, "Internal error; the service log has the details. A retry with the same idempotency key never applies a request twice."));
        }
    }
}
