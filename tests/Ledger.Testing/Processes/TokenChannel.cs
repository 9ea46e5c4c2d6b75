using Grpc.Core;
using Grpc.Net.Client;

namespace Ledger.Testing.Processes;

/// <summary>A gRPC channel (h2c) whose every call carries a fresh bearer token from a delegate, as the services' callers send it.</summary>
public static class TokenChannel
{
    public static GrpcChannel For(string address, Func<string> token) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", "Bearer " + token());
                return Task.CompletedTask;
            })),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
}
