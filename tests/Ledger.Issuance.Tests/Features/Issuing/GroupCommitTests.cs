using System.Diagnostics;
using Grpc.Core;
using JasperFx.Events;
using Ledger.Contracts.Issuance.V1;
using Ledger.Crypto;
using Ledger.Issuance.Features.Issuing;
using Ledger.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using LicenseIssued = Ledger.Issuance.Licenses.LicenseIssued;

namespace Ledger.Issuance.Tests.Features.Issuing;

/// <summary>
/// Notary signs license keys for at most <see cref="NotaryLicenseDays"/> days (Issuance allows ten years), so a
/// license longer than that passes Issuance's checks and is refused by Notary: a call that fails late, alone.
/// </summary>
public sealed class LedgerWithStrictNotary : LedgerWithIssuance
{
    public const int NotaryLicenseDays = 400;

    public LedgerWithStrictNotary() =>
        DeploymentSettings["Ledger:Notary:Limits:LicenseExpiryDays"] = NotaryLicenseDays.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public IssueGroupCommit Groups => Issuance.Services.GetRequiredService<IssueGroupCommit>();

    public IDocumentStore Store => Issuance.Services.GetRequiredService<IDocumentStore>();

    /// <summary>
    /// Holds the commit of the call in flight (a lock on the table every issue writes), so the calls sent
    /// meanwhile queue and are committed as one group once <see cref="HeldCommit.ReleaseAsync"/> runs.
    /// </summary>
    public async Task<HeldCommit> HoldCommitsAsync()
    {
        // The table exists once a license was issued.
        await IssueAsync();
        var database = ServiceDatabase("issuance");
        var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE issuance.mt_doc_licensekeylogentry IN EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new HeldCommit(database, connection, transaction);
    }

    public sealed class HeldCommit(string database, NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        /// <summary>Waits until a commit is blocked on the held lock (the group in flight).</summary>
        public Task WaitUntilBlockedAsync() => Eventually.True(async () =>
        {
            await using var probe = new NpgsqlConnection(database);
            await probe.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relname = 'mt_doc_licensekeylogentry'", probe);
            return (long)(await command.ExecuteScalarAsync())! > 0;
        }, what: "an issue commit to wait on the held lock");

        public async Task ReleaseAsync()
        {
            await transaction.RollbackAsync();
            await connection.CloseAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

public sealed class GroupCommitTests(LedgerWithStrictNotary ledger) : IClassFixture<LedgerWithStrictNotary>
{
    private static IssueLicenseRequest Request(string customer, int days = 30, string? key = null) =>
        new() { IdempotencyKey = key ?? Guid.NewGuid().ToString(), Terms = LedgerWithIssuance.Terms(customer, days) };

    /// <summary>
    /// Sends <paramref name="requests"/> while a commit is held, so they are committed as one group after it,
    /// in the order given: each call is queued before the next is sent (concurrent calls on one channel
    /// may otherwise reach the server in any order, and the first of a key's calls is the one that counts).
    /// </summary>
    private async Task<(IssueLicenseResponse First, Task<IssueLicenseResponse>[] Grouped)> SendAsOneGroupAsync(params IssueLicenseRequest[] requests)
    {
        await using var held = await ledger.HoldCommitsAsync();
        var first = ledger.Licenses.IssueLicenseAsync(Request($"cust-group-first-{Guid.NewGuid():N}")).ResponseAsync;
        await held.WaitUntilBlockedAsync();
        var grouped = new Task<IssueLicenseResponse>[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            grouped[i] = ledger.Licenses.IssueLicenseAsync(requests[i]).ResponseAsync;
            var queued = i + 1;
            await Eventually.True(() => Task.FromResult(ledger.Groups.Waiting == queued), what: $"{queued} calls to wait for the next group");
        }

        await held.ReleaseAsync();
        return (await first, grouped);
    }

    private async Task<IReadOnlyList<LicenseIssued>> IssuedEventsOf(string customer)
    {
        await using var query = ledger.Store.QuerySession();
        return await query.Events.QueryRawEventDataOnly<LicenseIssued>().Where(e => e.CustomerId == customer).ToListAsync();
    }

    [Fact]
    public async Task a_grouped_call_that_notary_refuses_fails_alone_and_its_neighbours_are_issued()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var good = Enumerable.Range(0, 5).Select(i => Request($"cust-neighbour-{run}-{i}")).ToArray();
        var refused = Request($"cust-refused-{run}", days: 1000);

        var (_, grouped) = await SendAsOneGroupAsync([.. good[..2], refused, .. good[2..]]);

        var error = await Assert.ThrowsAsync<RpcException>(() => grouped[2]);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("expiry-cap", error.Status.Detail);
        Assert.Contains("could not commit together", ledger.Issuance.Logs.All);
        var issued = await Task.WhenAll(grouped.Where((_, i) => i != 2));
        var jwks = await ledger.FetchJwksAsync();
        Assert.Equal(good.Select(r => r.Terms.CustomerId), issued.Select(r => r.License.CustomerId));
        Assert.All(issued, r => Assert.True(Jws.Verify(r.License.LicenseKey, jwks).IsValid));
        Assert.Equal(5, issued.Select(r => r.License.LicenseId).Distinct().Count());
        for (var i = 0; i < good.Length; i++)
        {
            var events = await IssuedEventsOf(good[i].Terms.CustomerId);
            Assert.Equal(good[i].IdempotencyKey, Assert.Single(events).IdempotencyKey);
        }

        // Nothing of the refused call is in the ledger: no event, no license, no recorded answer (a retry is refused again, not replayed).
        Assert.Empty(await IssuedEventsOf(refused.Terms.CustomerId));
        Assert.Empty((await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = refused.Terms.CustomerId })).Licenses);
        var retry = await Assert.ThrowsAsync<RpcException>(() => ledger.Licenses.IssueLicenseAsync(refused).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, retry.StatusCode);
    }

    [Fact]
    public async Task one_key_twice_in_a_group_issues_one_license_and_the_key_with_other_terms_is_refused()
    {
        var customer = $"cust-dup-{Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();
        var neighbour = Request($"cust-dup-neighbour-{Guid.NewGuid():N}");

        var (_, grouped) = await SendAsOneGroupAsync(
            Request(customer, 30, key), neighbour, Request(customer, 30, key), Request(customer, 31, key));

        var first = await grouped[0];
        var again = await grouped[2];
        Assert.Equal(first.License, again.License);
        var reused = await Assert.ThrowsAsync<RpcException>(() => grouped[3]);
        Assert.Equal(StatusCode.FailedPrecondition, reused.StatusCode);
        Assert.Contains("already used", reused.Status.Detail);
        Assert.Equal(neighbour.Terms.CustomerId, (await grouped[1]).License.CustomerId);
        Assert.Single(await IssuedEventsOf(customer));
        Assert.Single((await ledger.Licenses.ListLicensesAsync(new ListLicensesRequest { CustomerId = customer })).Licenses);
    }

    [Fact]
    public async Task a_retry_of_a_call_committed_in_an_earlier_group_returns_its_license_from_the_group_lookup()
    {
        var earlier = Request($"cust-earlier-{Guid.NewGuid():N}");
        var license = (await ledger.Licenses.IssueLicenseAsync(earlier)).License;

        var (_, grouped) = await SendAsOneGroupAsync(earlier, Request($"cust-later-{Guid.NewGuid():N}"));

        Assert.Equal(license, (await grouped[0]).License);
        Assert.Single(await IssuedEventsOf(earlier.Terms.CustomerId));
        Assert.NotEqual(license.LicenseId, (await grouped[1]).License.LicenseId);
    }

    [Fact]
    public async Task a_caller_that_gives_up_after_its_call_joined_a_group_finds_its_license_on_retry()
    {
        var request = Request($"cust-gave-up-{Guid.NewGuid():N}");
        using var giveUp = new CancellationTokenSource();
        await using (var held = await ledger.HoldCommitsAsync())
        {
            var call = ledger.Licenses.IssueLicenseAsync(request, cancellationToken: giveUp.Token).ResponseAsync;
            await held.WaitUntilBlockedAsync();
            await giveUp.CancelAsync();
            Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call)).StatusCode);
            await held.ReleaseAsync();
        }

        var committed = await Eventually.Get(async () => (await IssuedEventsOf(request.Terms.CustomerId)).SingleOrDefault(), what: "the abandoned call's group to commit");
        var retry = await ledger.Licenses.IssueLicenseAsync(request);
        Assert.Equal(committed.LicenseId.ToString(), retry.License.LicenseId);
        Assert.Single(await IssuedEventsOf(request.Terms.CustomerId));
    }

    [Fact]
    public async Task each_license_of_a_group_carries_the_trace_of_the_call_that_asked_for_it()
    {
        var requests = Enumerable.Range(0, 3).Select(i => Request($"cust-trace-{Guid.NewGuid():N}")).ToArray();
        var traces = new string[requests.Length];
        Task<IssueLicenseResponse>[] grouped;
        await using (var held = await ledger.HoldCommitsAsync())
        {
            var first = ledger.Licenses.IssueLicenseAsync(Request($"cust-trace-first-{Guid.NewGuid():N}")).ResponseAsync;
            await held.WaitUntilBlockedAsync();
            grouped = new Task<IssueLicenseResponse>[requests.Length];
            for (var i = 0; i < requests.Length; i++)
            {
                // Each call in a trace of its own, sent as a client's HTTP stack would (the in-memory test server's handler does not add it).
                traces[i] = ActivityTraceId.CreateRandom().ToHexString();
                var traceparent = new Metadata { { "traceparent", $"00-{traces[i]}-{ActivitySpanId.CreateRandom().ToHexString()}-01" } };
                grouped[i] = ledger.Licenses.IssueLicenseAsync(requests[i], traceparent).ResponseAsync;
            }

            await Eventually.True(() => Task.FromResult(ledger.Groups.Waiting == requests.Length), what: "the traced calls to wait for the next group");
            await held.ReleaseAsync();
            await first;
        }

        await Task.WhenAll(grouped);
        await using var query = ledger.Store.QuerySession();
        for (var i = 0; i < requests.Length; i++)
        {
            var events = await query.Events.FetchStreamAsync(Guid.Parse((await grouped[i]).License.LicenseId));
            var traceparent = Assert.Single(events).GetHeader("traceparent")?.ToString();
            Assert.NotNull(traceparent);
            Assert.Contains(traces[i], traceparent);
        }
    }
}
