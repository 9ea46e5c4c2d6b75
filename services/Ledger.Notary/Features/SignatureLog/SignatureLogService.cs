using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Ledger.Contracts.Notary.V1;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ClientTokens;
using Ledger.Verification;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Notary.Features.SignatureLog;

/// <summary>
/// gRPC <c>ledger.notary.v1.SignatureLog</c>. Checkpoints and proofs are for any authenticated client
/// (they are public over HTTP too); the entries name clients and subjects, so listing them is for
/// auditors and key admins.
/// </summary>
[Authorize]
public sealed class SignatureLogService(SignatureLog log) : Contracts.Notary.V1.SignatureLog.SignatureLogBase
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public override async Task<GetCheckpointResponse> GetCheckpoint(GetCheckpointRequest request, ServerCallContext context)
    {
        var checkpoint = await log.CheckpointAsync(null, refreshIfGrown: false, context.CancellationToken);
        return new GetCheckpointResponse
        {
            Note = checkpoint.Note,
            TreeSize = checkpoint.TreeSize,
            RootHash = ByteString.CopyFrom(checkpoint.RootHash),
            SignedAt = checkpoint.At.ToTimestamp(),
        };
    }

    public override async Task<GetInclusionProofResponse> GetInclusionProof(GetInclusionProofRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation()
            .Require(request.Index >= 0, "index", "a leaf index, 0 or more")
            .Require(request.TreeSize >= 0, "tree_size", "0 (the latest checkpoint) or a checkpoint's tree size");
        validation.ThrowIfInvalid();
        var (entry, proof, checkpoint) = await log.InclusionAsync(request.Index, request.TreeSize == 0 ? null : request.TreeSize, context.CancellationToken);
        var response = new GetInclusionProofResponse
        {
            Entry = ToProto(entry),
            TreeSize = checkpoint.TreeSize,
            Checkpoint = checkpoint.Note,
            ReceiptJson = System.Text.Encoding.UTF8.GetString(new SignatureReceipt(entry, checkpoint.TreeSize, proof, checkpoint.Note).ToJson()),
        };
        response.Hashes.AddRange(proof.Select(ByteString.CopyFrom));
        return response;
    }

    public override async Task<GetConsistencyProofResponse> GetConsistencyProof(GetConsistencyProofRequest request, ServerCallContext context)
    {
        new RequestValidation()
            .Require(request.FromSize >= 0, "from_size", "a tree size, 0 or more")
            .Require(request.ToSize >= request.FromSize, "to_size", "a tree size at least from_size")
            .ThrowIfInvalid();
        var response = new GetConsistencyProofResponse();
        response.Hashes.AddRange((await log.ConsistencyAsync(request.FromSize, request.ToSize, context.CancellationToken)).Select(ByteString.CopyFrom));
        return response;
    }

    [Authorize(Roles = LedgerRoles.KeyAdminOrAuditor)]
    public override async Task<ListSignaturesResponse> ListSignatures(ListSignaturesRequest request, ServerCallContext context)
    {
        var validation = new RequestValidation();
        Guid? kid = null;
        if (request.Kid.Length > 0)
        {
            validation.Require(Guid.TryParse(request.Kid, out var parsed) && request.Kid.Length == 36, "kid", "a key id (UUID, as ListKeys shows it)");
            kid = parsed;
        }

        validation.Require(request.Subject.Length <= Verification.SignatureLogEntry.MaxFieldLength, "subject", $"at most {Verification.SignatureLogEntry.MaxFieldLength} characters");
        validation.Require(request.StartIndex >= 0, "start_index", "0 or more");
        validation.Require(request.PageSize is >= 0 and <= MaxPageSize, "page_size", $"0 (for {DefaultPageSize}) to {MaxPageSize}");
        var since = validation.Time(request.Since, "since");
        validation.ThrowIfInvalid();
        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var entries = await log.Store.ListAsync(
            kid, since, request.Subject.Length > 0 ? request.Subject : null, request.StartIndex - 1, pageSize + 1, context.CancellationToken);
        var response = new ListSignaturesResponse { NextStartIndex = entries.Count > pageSize ? entries[pageSize].Index : -1 };
        response.Entries.AddRange(entries.Take(pageSize).Select(ToProto));
        return response;
    }

    public static Contracts.Notary.V1.SignatureLogEntry ToProto(Verification.SignatureLogEntry entry) => new()
    {
        Index = entry.Index,
        At = entry.At.ToTimestamp(),
        Kid = entry.Kid,
        Purpose = entry.Purpose,
        Client = entry.Client,
        Subject = entry.Subject,
        InputSha256 = ByteString.CopyFrom(entry.InputSha256),
    };
}
