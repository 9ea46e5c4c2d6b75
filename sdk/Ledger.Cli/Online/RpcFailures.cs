using System.Text;
using Google.Rpc;
using Grpc.Core;

namespace Ledger.Cli.Online;

/// <summary>
/// Turns a gRPC failure into what went wrong and what to do. A request the service refused as given
/// (invalid, not found, not allowed) is a usage error (2); an unreachable or failing service is 3.
/// The service's <c>ErrorInfo</c> reason (docs/API.md) is shown in brackets and kept for JSON output.
/// </summary>
internal static class RpcFailures
{
    public static CliFailure Describe(RpcException rpc, ServiceEndpoint? endpoint)
    {
        var service = endpoint is null ? "The service" : $"{endpoint.Service.Title} at {endpoint.Address}";
        var reason = rpc.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
        var detail = string.IsNullOrEmpty(reason) ? rpc.Status.Detail : $"{rpc.Status.Detail} [{reason}]";
        var failure = rpc.StatusCode switch
        {
            StatusCode.InvalidArgument => CliFailure.Usage($"{service} refused the request: {Violations(rpc) ?? detail}"),
            StatusCode.NotFound => CliFailure.Usage($"{service}: {detail} (not found)"),
            StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.OutOfRange => CliFailure.Usage($"{service} refused the request: {detail}"),
            StatusCode.Unauthenticated => CliFailure.Usage($"{service} did not accept ledgerctl's credentials ({detail}). Set ${ClientIdentity.KeyVariable} (or --client-key) to your client's privkey.json from 'ledgerctl keygen client', registered with the services."),
            StatusCode.PermissionDenied => CliFailure.Usage($"{service} does not allow this client to do that ({detail}). Ask an operator to give the client the role this call needs."),
            StatusCode.Unavailable => CliFailure.Io($"{service} is unavailable ({detail}). Is it running? 'make run' starts the services; otherwise point --server or ${endpoint?.Service.Variable ?? "LEDGER_<SERVICE>_URL"} at it."),
            StatusCode.DeadlineExceeded => CliFailure.Io($"{service} did not answer in time. Try again, or raise --timeout."),
            _ => CliFailure.Io($"{service} failed ({rpc.StatusCode}): {detail}"),
        };
        return string.IsNullOrEmpty(reason) ? failure : new CliFailure(failure.ExitCode, failure.Message) { Reason = reason };
    }

    /// <summary>
    /// Whether a status says the service refused the call before changing anything (a refusal of the request
    /// or the caller), rather than leaving unknown whether it was applied (no answer, unavailable, internal).
    /// </summary>
    public static bool ChangedNothing(StatusCode status) => status is StatusCode.InvalidArgument or StatusCode.NotFound
        or StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.OutOfRange
        or StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.Unimplemented;

    private static string? Violations(RpcException rpc)
    {
        if (rpc.GetRpcStatus()?.GetDetail<BadRequest>() is not { FieldViolations.Count: > 0 } badRequest)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var violation in badRequest.FieldViolations)
        {
            text.Append($"\n  {violation.Field}: {violation.Description}");
        }

        return text.ToString();
    }

    /// <summary>The field violations of an InvalidArgument, for callers that act on each (batch issuance).</summary>
    public static IReadOnlyList<(string Field, string Description)> FieldViolations(RpcException rpc) =>
        rpc.GetRpcStatus()?.GetDetail<BadRequest>() is { } badRequest
            ? [.. badRequest.FieldViolations.Select(v => (v.Field, v.Description))]
            : [];
}
