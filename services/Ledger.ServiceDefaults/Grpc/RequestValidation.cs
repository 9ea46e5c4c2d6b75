using Google.Rpc;
using Grpc.Core;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>
/// Collects every field violation of a request, then fails once with InvalidArgument and a
/// google.rpc.BadRequest detail naming each field, before anything is written.
/// </summary>
public sealed class RequestValidation
{
    private readonly List<BadRequest.Types.FieldViolation> _violations = [];

    public bool IsValid => _violations.Count == 0;

    /// <summary>How many violations so far: compare before and after checking a part of the request.</summary>
    public int Count => _violations.Count;

    public RequestValidation Fail(string field, string description)
    {
        _violations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return this;
    }

    public RequestValidation Require(bool condition, string field, string description) =>
        condition ? this : Fail(field, description);

    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw ToException();
        }
    }

    public RpcException ToException()
    {
        var summary = string.Join("; ", _violations.Select(v => $"{v.Field}: {v.Description}"));
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(_violations);
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = $"Invalid request: {summary}",
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(badRequest) },
        }.ToRpcException();
    }

    /// <summary>A single-field InvalidArgument, for checks that can only fail one way.</summary>
    public static RpcException Invalid(string field, string description) =>
        new RequestValidation().Fail(field, description).ToException();
}
