using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>
/// Collects every field violation of a request, then fails once with InvalidArgument and a
/// google.rpc.BadRequest detail naming each field, before anything is written.
/// </summary>
public sealed class RequestValidation
{
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;

    /// <summary>
    /// Violations one refusal lists; the rest are counted in its message. A request of thousands of bad
    /// entries (a batch, a list of ids) still gets an answer that fits a client's header limits (gRPC
    /// details travel in a trailer, 64 KiB by default in grpc-dotnet).
    /// </summary>
    public const int MaxListed = 50;

    private readonly List<BadRequest.Types.FieldViolation> _violations = [];
    private int _unlisted;

    public bool IsValid => Count == 0;

    /// <summary>How many violations so far: compare before and after checking a part of the request.</summary>
    public int Count => _violations.Count + _unlisted;

    public RequestValidation Fail(string field, string description)
    {
        if (_violations.Count < MaxListed)
        {
            _violations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        }
        else
        {
            _unlisted++;
        }

        return this;
    }

    public RequestValidation Require(bool condition, string field, string description) =>
        condition ? this : Fail(field, description);

    /// <summary>
    /// A request's timestamp as a time, or null when it is unset. One outside what a
    /// google.protobuf.Timestamp may hold (0001-01-01 to 9999-12-31 UTC, nanos 0 to 999,999,999)
    /// is reported for <paramref name="field"/> and read as null.
    /// </summary>
    public DateTimeOffset? Time(Timestamp? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || value.Nanos is < 0 or > 999_999_999)
        {
            Fail(field, $"not a valid timestamp (seconds {value.Seconds}, nanos {value.Nanos}): seconds must lie between 0001-01-01 and 9999-12-31 UTC and nanos between 0 and 999999999");
            return null;
        }

        return value.ToDateTimeOffset();
    }

    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw ToException();
        }
    }

    public RpcException ToException()
    {
        var summary = string.Join("; ", _violations.Select(v => $"{v.Field}: {v.Description}"))
            + (_unlisted > 0 ? $"; and {_unlisted} more invalid field(s) not listed" : "");
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(_violations);
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = $"Invalid request: {summary}",
            Details = { Any.Pack(badRequest) },
        }.ToRpcException();
    }

    /// <summary>A single-field InvalidArgument, for checks that can only fail one way.</summary>
    public static RpcException Invalid(string field, string description) =>
        new RequestValidation().Fail(field, description).ToException();
}
