using Grpc.Core;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>Who asked: the authenticated client id recorded with every change.</summary>
public static class CallerIdentity
{
    public const string Anonymous = "anonymous";

    public static string Of(ServerCallContext context) =>
        context.GetHttpContext().User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : Anonymous;
}
