using Grpc.Core;
using Grpc.Core.Interceptors;
using Ledger.ClientTokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>
/// Refuses a gRPC call whose client token was already used, on this replica or another
/// (<see cref="ReplayGuard"/>), before the method runs. It runs inside <see cref="RpcExceptionInterceptor"/>,
/// so an unreachable database is UNAVAILABLE with retry advice, as for any other call.
/// </summary>
internal sealed class ClientTokenReplayInterceptor(IServiceProvider services, ILogger<ClientTokenReplayInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await RefuseReplayAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await RefuseReplayAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await RefuseReplayAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await RefuseReplayAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task RefuseReplayAsync(ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        if (ReplayGuard.IsPending(user) && !await services.GetRequiredService<ReplayGuard>().UsePendingAsync(user, context.CancellationToken))
        {
            logger.LogWarning("Refused client token from {Client} for {Path}: {Reason}", user.Identity?.Name, context.Method, ReplayGuard.ReplayRefusal);
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Client token refused: {ReplayGuard.ReplayRefusal}."));
        }
    }
}
