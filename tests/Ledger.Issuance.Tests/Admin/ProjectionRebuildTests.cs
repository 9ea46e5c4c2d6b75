using System.Text.Json.Nodes;
using Grpc.Core;
using Ledger.Contracts.Admin.V1;
using Ledger.Contracts.Issuance.V1;
using Ledger.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using AdminClient = Ledger.Contracts.Admin.V1.Admin.AdminClient;
using LicenseDocument = Ledger.Issuance.Licenses.License;

namespace Ledger.Issuance.Tests.Admin;

public sealed class ProjectionRebuildTests(LedgerWithLicenseHistory ledger) : IClassFixture<LedgerWithLicenseHistory>
{
    private IDocumentStore Store => ledger.Issuance.Services.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task issuance_lists_its_license_projection_with_the_events_it_folds()
    {
        var listed = await ledger.Admin.ListProjectionsAsync(new ListProjectionsRequest());

        var licenses = Assert.Single(listed.Projections);
        Assert.Equal("licenses", licenses.Name);
        Assert.True(licenses.Documents >= ledger.LicenseIds.Count);
        Assert.Equal(["license_capabilities_changed", "license_imported", "license_issued", "license_renewed", "license_revocation_recorded"], licenses.EventTypes.Order());
    }

    [Fact]
    public async Task a_rebuild_restores_corrupted_and_deleted_documents_and_leaves_the_rest_identical()
    {
        var before = await DocumentsAsync();
        var corrupted = Guid.Parse(ledger.LicenseIds[0]);
        var deleted = Guid.Parse(ledger.LicenseIds[5]);
        await using (var session = Store.LightweightSession())
        {
            var document = await session.LoadAsync<LicenseDocument>(corrupted);
            document!.CustomerName = "tampered";
            document.Capabilities = ["everything"];
            session.Store(document);
            session.Delete<LicenseDocument>(deleted);
            await session.SaveChangesAsync();
        }

        Assert.NotEqual(before[corrupted], (await DocumentsAsync())[corrupted]);

        var rebuilt = await ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest { Projections = { "licenses" } });

        var result = Assert.Single(rebuilt.Projections);
        Assert.Equal(before.Count, result.Streams);
        Assert.Equal(2, result.DocumentsCorrected);
        AssertSameDocuments(before, await DocumentsAsync());

        var again = await ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest { All = true });
        Assert.Equal(0, Assert.Single(again.Projections).DocumentsCorrected);
        AssertSameDocuments(before, await DocumentsAsync());
    }

    [Fact]
    public async Task the_service_keeps_answering_reads_and_writes_during_a_rebuild()
    {
        var renewedId = ledger.LicenseIds[2];
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var id in ledger.LicenseIds)
                {
                    var license = (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = id })).License;
                    Assert.Equal(id, license.LicenseId);
                    Interlocked.Increment(ref reads);
                }
            }
        })).ToList();

        var rebuilds = Enumerable.Range(0, 5)
            .Select(_ => ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest { All = true }).ResponseAsync)
            .ToList();
        var renewals = new List<License>();
        for (var i = 0; i < 5; i++)
        {
            renewals.Add((await ledger.Licenses.RenewLicenseAsync(new RenewLicenseRequest
            {
                IdempotencyKey = Guid.NewGuid().ToString(), LicenseId = renewedId, DurationDays = 1,
            })).License);
        }

        await Task.WhenAll(rebuilds);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.True(reads > ledger.LicenseIds.Count, $"only {reads} reads ran during the rebuilds");
        var current = (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = renewedId })).License;
        Assert.Equal(renewals[^1].ExpiresAt, current.ExpiresAt);
        Assert.Equal(renewals[^1].LicenseKey, current.LicenseKey);

        // Every document equals its stream's fold: nothing a rebuild wrote was overtaken by an older state.
        var documents = await DocumentsAsync();
        var check = await ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest { All = true });
        Assert.Equal(0, Assert.Single(check.Projections).DocumentsCorrected);
        AssertSameDocuments(documents, await DocumentsAsync());
    }

    [Fact]
    public async Task a_rebuild_while_licenses_are_issued_loses_nothing_leaves_nothing_stale_and_a_second_changes_nothing()
    {
        using var stop = new CancellationTokenSource();
        var issued = new System.Collections.Concurrent.ConcurrentBag<string>();
        var issuers = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                issued.Add((await ledger.IssueAsync(LedgerWithIssuance.Terms($"rebuild-{i}", 30))).LicenseId);
            }
        })).ToList();
        var readsDuringRebuild = 0;
        var rebuilding = 1;
        var reader = Task.Run(async () =>
        {
            while (Volatile.Read(ref rebuilding) == 1)
            {
                foreach (var id in ledger.LicenseIds)
                {
                    Assert.Equal(id, (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = id })).License.LicenseId);
                    Interlocked.Increment(ref readsDuringRebuild);
                }
            }
        });

        await Eventually.True(() => Task.FromResult(issued.Count >= 8), TimeSpan.FromSeconds(60), "the issuers to be running");
        var issuedBefore = issued.Count;
        var rebuilds = new List<RebuiltProjection>();
        for (var i = 0; i < 3; i++)
        {
            rebuilds.Add(Assert.Single((await ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest { All = true })).Projections));
        }

        var issuedDuring = issued.Count - issuedBefore;
        Volatile.Write(ref rebuilding, 0);
        await reader;
        await stop.CancelAsync();
        await Task.WhenAll(issuers);

        Assert.True(issuedDuring > 0, "no license was issued while the rebuilds ran");
        Assert.True(readsDuringRebuild >= ledger.LicenseIds.Count, $"only {readsDuringRebuild} reads answered while the rebuilds ran");
        Assert.All(rebuilds, r => Assert.Equal(0, r.DocumentsCorrected));

        // Every license document is exactly its stream's fold, and every issued license has one.
        var documents = await DocumentsAsync();
        Assert.Superset(issued.Select(Guid.Parse).ToHashSet(), documents.Keys.ToHashSet());
        await using (var session = Store.QuerySession())
        {
            foreach (var (id, json) in documents)
            {
                var folded = await session.Events.AggregateStreamAsync<LicenseDocument>(id);
                Assert.NotNull(folded);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Store.Options.Serializer().ToJson(folded)), JsonNode.Parse(json)), $"document {id} is not its stream's fold:\n{json}");
            }
        }

        foreach (var id in issued)
        {
            Assert.Equal(id, (await ledger.Licenses.GetLicenseAsync(new GetLicenseRequest { LicenseId = id })).License.LicenseId);
        }

        var again = Assert.Single((await ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest { All = true })).Projections);
        Assert.Equal(0, again.DocumentsCorrected);
        Assert.Equal(documents.Count, again.Streams);
        AssertSameDocuments(documents, await DocumentsAsync());
    }

    [Fact]
    public async Task the_rebuilt_table_keeps_the_live_tables_name_indexes_and_primary_key()
    {
        const string Shape = """
            select string_agg(i.relname || ':' || x.indisprimary || ':' || regexp_replace(pg_get_indexdef(i.oid), '^.* USING ', ''), ' | ' order by i.relname)
            from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
            where t.relname = 'mt_doc_license'
            """;
        await using var session = Store.QuerySession();
        var before = (await session.QueryAsync<string>(Shape)).Single();
        var constraintsBefore = await session.QueryAsync<string>("select conname from pg_constraint where conrelid = 'issuance.mt_doc_license'::regclass order by 1");

        await ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest { Projections = { "licenses" } });

        await using var after = Store.QuerySession();
        Assert.Equal(before, (await after.QueryAsync<string>(Shape)).Single());
        Assert.Equal(constraintsBefore, await after.QueryAsync<string>("select conname from pg_constraint where conrelid = 'issuance.mt_doc_license'::regclass order by 1"));
        Assert.Empty(await after.QueryAsync<string>("select relname::text from pg_class where relname like 'mt_doc_license%rebuild%' or relname like '%\\_rb'"));
        Assert.Contains("pkey_mt_doc_license_id", before);
    }

    [Fact]
    public async Task an_unknown_projection_is_refused_with_the_names_there_are()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest { Projections = { "licences" } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("projections[0]", error.Status.Detail);
        Assert.Contains("no projection 'licences'", error.Status.Detail);
        Assert.Contains("licenses", error.Status.Detail.Replace("licences", ""));

        var neither = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.Admin.RebuildProjectionsAsync(new RebuildProjectionsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, neither.StatusCode);
        Assert.Contains("or set all", neither.Status.Detail);
    }

    [Fact]
    public async Task only_a_key_admin_may_rebuild()
    {
        var auditor = new AdminClient(ledger.Issuance.CreateChannel(() => ledger.Clients.Mint(TestClients.Auditor, "issuance")));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            auditor.RebuildProjectionsAsync(new RebuildProjectionsRequest { All = true }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private async Task<Dictionary<Guid, string>> DocumentsAsync()
    {
        await using var session = Store.QuerySession();
        var documents = new Dictionary<Guid, string>();
        foreach (var id in await session.Query<LicenseDocument>().Select(l => l.Id).ToListAsync())
        {
            documents[id] = (await session.Json.FindByIdAsync<LicenseDocument>(id))!;
        }

        return documents;
    }

    private static void AssertSameDocuments(Dictionary<Guid, string> expected, Dictionary<Guid, string> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (id, json) in expected)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(actual[id])), $"document {id} changed:\n{json}\n{actual[id]}");
        }
    }
}
