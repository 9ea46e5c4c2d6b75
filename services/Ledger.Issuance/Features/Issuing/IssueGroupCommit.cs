using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Grpc.Core;
using JasperFx.Events;
using Ledger.Contracts.Issuance.V1;
using Ledger.Idempotency;
using Ledger.Issuance.Features.Querying;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.EventStore;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using LicenseTerms = Ledger.Issuance.Licenses.LicenseTerms;
using LicenseLimits = Ledger.Issuance.Licenses.LicenseLimits;

namespace Ledger.Issuance.Features.Issuing;

/// <summary>
/// Group commit for IssueLicense. Calls that arrive while a group is being committed wait here and
/// are committed together as the next group: one idempotency lookup for all their keys, one Notary
/// SignBatch per profile, one transaction appending every license stream. There is no timer: on an
/// idle service a call is taken at once, alone, through the single-call path. A group that cannot
/// commit together is committed one call at a time, so a call that fails fails alone.
/// docs/ARCHITECTURE.md ("Issuance: group commit") records the decisions.
/// </summary>
public sealed class IssueGroupCommit(
    IDocumentStore store, IdempotentRequests idempotent, LicenseIssuer issuer, TimeProvider clock, ILogger<IssueGroupCommit> logger) : BackgroundService
{
    /// <summary>The idempotency operation of IssueLicense (records are "issue:caller:key").</summary>
    public const string Operation = "issue";

    /// <summary>At most as many calls in one group as one IssueLicenses batch may carry: the same transaction size and Notary batch.</summary>
    public const int MaxGroup = LicenseLimits.MaxBatch;

    /// <summary>Calls waiting beyond this make their callers wait to queue (back pressure), still bounded by their deadlines.</summary>
    public const int MaxWaiting = 10 * MaxGroup;

    private static readonly Histogram<int> GroupSizes = LedgerTelemetry.Meter.CreateHistogram<int>(
        "ledger.issuance.group.size", "{call}", "IssueLicense calls committed as one group");

    private static readonly Counter<long> SplitGroups = LedgerTelemetry.Meter.CreateCounter<long>(
        "ledger.issuance.group.splits", "{group}", "Groups that could not commit together and were committed one call at a time");

    private readonly Channel<Pending> _waiting = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(MaxWaiting) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Calls queued for the next group (not counting the group being committed).</summary>
    public int Waiting => _waiting.Reader.Count;

    /// <summary>Issues the validated terms of one IssueLicense call with whichever group it joins; the answer is this call's own.</summary>
    public async Task<IssueLicenseResponse> IssueAsync(IssueLicenseRequest request, LicenseTerms terms, string caller, CancellationToken cancellationToken)
    {
        var pending = new Pending(request, terms, caller, IdempotentRequests.Call(Operation, caller, request.IdempotencyKey, request),
            Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null, cancellationToken);
        try
        {
            await _waiting.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw Stopping();
        }

        return await pending.Outcome.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The loop's appends carry the trace of each call they commit (stamped per event), not one of their own.
        Activity.Current = null;
        var carried = new Queue<Pending>();
        try
        {
            while (!stoppingToken.IsCancellationRequested && (carried.Count > 0 || await _waiting.Reader.WaitToReadAsync(stoppingToken)))
            {
                var group = new List<Pending>();
                var next = new Queue<Pending>();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var pending in carried)
                {
                    if (group.Count < MaxGroup)
                    {
                        Join(pending, group, keys, next);
                    }
                    else
                    {
                        next.Enqueue(pending);
                    }
                }

                while (group.Count < MaxGroup && _waiting.Reader.TryRead(out var pending))
                {
                    Join(pending, group, keys, next);
                }

                carried = next;
                if (group.Count > 0)
                {
                    await CommitAsync(group);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the group in flight has committed; what still waits is answered below.
        }
        finally
        {
            _waiting.Writer.TryComplete();
            foreach (var pending in carried)
            {
                pending.Outcome.TrySetException(Stopping());
            }

            while (_waiting.Reader.TryRead(out var pending))
            {
                pending.Outcome.TrySetException(Stopping());
            }
        }
    }

    /// <summary>
    /// A call joins the group unless its caller has gone (nothing is issued for it) or the group already
    /// holds its idempotency key: then it waits for the next group, where it finds the first call's
    /// outcome as a retry would (its license, or FailedPrecondition for different terms).
    /// </summary>
    private static void Join(Pending pending, List<Pending> group, HashSet<string> keys, Queue<Pending> next)
    {
        if (pending.Cancellation.IsCancellationRequested)
        {
            pending.Outcome.TrySetCanceled(pending.Cancellation);
        }
        else if (keys.Add(pending.Call.Id))
        {
            group.Add(pending);
        }
        else
        {
            next.Enqueue(pending);
        }
    }

    /// <summary>
    /// Commits the group, not bound to any one caller's cancellation: once a call has joined a group, its
    /// license is committed with the group even if its caller gives up meanwhile (a retry with the same key returns it).
    /// </summary>
    private async Task CommitAsync(List<Pending> group)
    {
        GroupSizes.Record(group.Count);
        if (group.Count == 1)
        {
            await AloneAsync(group[0]);
            return;
        }

        try
        {
            await TogetherAsync(group);
        }
        catch (Exception e) when (!AffectsEveryCall(e))
        {
            // Nothing of the group committed (one transaction). Which call broke it is not always
            // knowable (Notary refuses a whole batch), so each call is committed alone and gets its own answer.
            SplitGroups.Add(1);
            logger.LogWarning("A group of {Calls} IssueLicense calls could not commit together ({Reason}); committing them one by one",
                group.Count, e.Message);
            foreach (var pending in group.Where(p => !p.Outcome.Task.IsCompleted))
            {
                await AloneAsync(pending);
            }
        }
        catch (Exception e)
        {
            foreach (var pending in group)
            {
                pending.Outcome.TrySetException(e);
            }
        }
    }

    private async Task TogetherAsync(List<Pending> group)
    {
        var records = await idempotent.FindAsync(group.Select(p => p.Call), CancellationToken.None);
        var fresh = new List<Pending>();
        foreach (var pending in group)
        {
            if (!records.TryGetValue(pending.Call.Id, out var record))
            {
                fresh.Add(pending);
                continue;
            }

            try
            {
                pending.Outcome.TrySetResult(IdempotentRequests.Replay<IssueLicenseResponse>(record, pending.Call));
            }
            catch (RuleViolation e)
            {
                pending.Outcome.TrySetException(e);
            }
        }

        if (fresh.Count == 0)
        {
            return;
        }

        await using var session = store.LightweightSession();
        var issued = await issuer.IssueAsync(session, fresh.Select(p => new LicenseIssuer.Order(p.Terms, p.Caller, p.Request.IdempotencyKey)).ToList(), CancellationToken.None);
        var responses = new IssueLicenseResponse[fresh.Count];
        for (var i = 0; i < fresh.Count; i++)
        {
            responses[i] = Response(issued[i]);
            idempotent.Record(session, fresh[i].Call, responses[i]);
            StampTrace(session, issued[i].Id, fresh[i].TraceParent);
        }

        await session.SaveChangesAsync(CancellationToken.None);
        for (var i = 0; i < fresh.Count; i++)
        {
            fresh[i].Outcome.TrySetResult(responses[i]);
        }
    }

    /// <summary>The single-call path: its own lookup, Notary call and transaction, with every outcome IdempotentRequests gives one request.</summary>
    private async Task AloneAsync(Pending pending)
    {
        try
        {
            pending.Outcome.TrySetResult(await idempotent.RunAsync(Operation, pending.Caller, pending.Request.IdempotencyKey, pending.Request, async session =>
            {
                var issued = await issuer.IssueAsync(session, [pending.Terms], pending.Caller, pending.Request.IdempotencyKey, CancellationToken.None);
                StampTrace(session, issued[0].Id, pending.TraceParent);
                return Response(issued[0]);
            }, CancellationToken.None));
        }
        catch (Exception e)
        {
            pending.Outcome.TrySetException(e);
        }
    }

    private IssueLicenseResponse Response(Licenses.License license) => new() { License = license.ToProto(clock.GetUtcNow()) };

    /// <summary>Each license's events carry the trace of the call that asked for it (TraceContextHeaders keeps it).</summary>
    private static void StampTrace(IDocumentSession session, Guid licenseId, string? traceParent)
    {
        if (traceParent is null)
        {
            return;
        }

        foreach (var stream in session.PendingChanges.Streams().Where(s => s.Id == licenseId))
        {
            foreach (var pending in stream.Events)
            {
                pending.SetHeader(TraceContextHeaders.Header, traceParent);
            }
        }
    }

    /// <summary>
    /// Failures that are about the service's surroundings, not about any one call (Notary or the database
    /// unreachable, signing slower than a license id may wait): every call of the group would meet them
    /// alone too, so each gets this answer at once rather than another attempt.
    /// </summary>
    private static bool AffectsEveryCall(Exception e) =>
        e is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded } || DatabaseOutage.Is(e);

    private static RpcException Stopping() =>
        ErrorReasons.Failure(StatusCode.Unavailable, ErrorReasons.ServiceStopping,
            "Issuance is stopping; nothing was issued for this call. Retry with the same idempotency key (another replica, or this one once it is back).",
            ErrorReasons.RetryDelay);

    private sealed record Pending(
        IssueLicenseRequest Request, LicenseTerms Terms, string Caller, IdempotentCall Call, string? TraceParent, CancellationToken Cancellation)
    {
        public TaskCompletionSource<IssueLicenseResponse> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
