using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>
/// The machine-readable reasons of failed calls: the <c>reason</c> of the google.rpc.ErrorInfo
/// in the <c>grpc-status-details-bin</c> trailer, domain <see cref="Domain"/>. Clients branch on
/// these, never on the message; each is listed with its status and meaning in docs/API.md, and a
/// reason, once published, is never renamed.
/// </summary>
public static class ErrorReasons
{
    public const string Domain = "ledger";

    /// <summary>How long a client should wait before retrying an Unavailable call (RetryInfo).</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    // InvalidArgument
    public const string UndecodableRequest = "UNDECODABLE_REQUEST";

    // FailedPrecondition
    public const string RuleViolated = "RULE_VIOLATED";
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
    public const string LicenseExpired = "LICENSE_EXPIRED";
    public const string LicenseRevoked = "LICENSE_REVOKED";
    public const string PurposeCannotSign = "PURPOSE_CANNOT_SIGN";
    public const string NoActiveKey = "NO_ACTIVE_KEY";
    public const string RotationInProgress = "ROTATION_IN_PROGRESS";
    public const string KeyActive = "KEY_ACTIVE";
    public const string KeyStillVerifying = "KEY_STILL_VERIFYING";
    public const string KeyNotRetirable = "KEY_NOT_RETIRABLE";
    public const string VendorKeyAlreadyRegistered = "VENDOR_KEY_ALREADY_REGISTERED";
    public const string VendorKeyLimitReached = "VENDOR_KEY_LIMIT_REACHED";
    public const string VendorKeyNotRegistered = "VENDOR_KEY_NOT_REGISTERED";
    public const string VendorKeyRemoved = "VENDOR_KEY_REMOVED";
    public const string StatementIdUsed = "STATEMENT_ID_USED";

    // NotFound
    public const string RecordNotFound = "RECORD_NOT_FOUND";
    public const string LicenseNotFound = "LICENSE_NOT_FOUND";
    public const string LicenseUnknown = "LICENSE_UNKNOWN";
    public const string KeyNotFound = "KEY_NOT_FOUND";
    public const string AttestationNotFound = "ATTESTATION_NOT_FOUND";
    public const string VendorKeyNotFound = "VENDOR_KEY_NOT_FOUND";

    // Aborted
    public const string ConcurrentChange = "CONCURRENT_CHANGE";
    public const string ConcurrentCreate = "CONCURRENT_CREATE";

    // Unavailable (always with RetryInfo)
    public const string DatabaseUnavailable = "DATABASE_UNAVAILABLE";
    public const string NotaryUnavailable = "NOTARY_UNAVAILABLE";
    public const string RevocationUnavailable = "REVOCATION_UNAVAILABLE";
    public const string ServiceStopping = "SERVICE_STOPPING";

    /// <summary>
    /// A failed call as google.rpc.Status: the message for people, an ErrorInfo with the reason
    /// for programs, and a RetryInfo when the call may be retried after <paramref name="retryAfter"/>.
    /// </summary>
    public static RpcException Failure(StatusCode code, string reason, string message, TimeSpan? retryAfter = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                info.Metadata[key] = value;
            }
        }

        var status = new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(info) } };
        if (retryAfter is { } delay)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }

        return status.ToRpcException();
    }
}
