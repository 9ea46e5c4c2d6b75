using Grpc.Core;
using Ledger.ServiceDefaults.Grpc;

namespace Ledger.NotaryClient;

/// <summary>
/// Which failures of a call to Notary mean "Notary cannot sign right now" (as opposed to a
/// refusal of the request), and the Unavailable status a service answers its own caller with.
/// </summary>
public static class NotaryUnavailable
{
    public static bool Is(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown;

    /// <param name="failed">What Notary could not do, e.g. "sign the license key".</param>
    /// <param name="advice">What the caller should do, e.g. "nothing was recorded, retry with the same idempotency key".</param>
    public static RpcException Because(RpcException e, string failed, string advice) =>
        ErrorReasons.Failure(StatusCode.Unavailable, ErrorReasons.NotaryUnavailable,
            $"Notary could not {failed} ({e.StatusCode}: {e.Status.Detail}); {advice}.", ErrorReasons.RetryDelay);
}
