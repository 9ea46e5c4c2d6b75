using System.Diagnostics;
using JasperFx.Events;
using Ledger.Benchmarks.Fixtures;
using Ledger.Benchmarks.Harness;
using Ledger.Benchmarks.Results;
using Ledger.Crypto;
using Ledger.Issuance;
using Ledger.Issuance.Licenses;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Replay;
using Ledger.Verification;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ledger.Benchmarks.Scenarios;

/// <summary>
/// Rebuilding every projection of the Issuance store (the inline <see cref="License"/> snapshot) with
/// the rebuild <c>ledgerctl admin rebuild</c> runs (the Admin service's <see cref="ProjectionRebuild"/>,
/// online: a snapshot read folded in memory, COPY into a shadow table, a short locked swap), beside the limit: reading the same mt_events rows, data column included,
/// with one plain Npgsql query. The store is seeded with Marten's bulk load and ANALYZEd before anything
/// is measured. Target (issue 19): ratio >= 0.4.
/// </summary>
public sealed class ReplayScenario : IScenario
{
    // 50,000 streams (200,000 events): enough for the read and the rebuild to run for seconds, while
    // the seeding (signing and bulk-loading) stays well under a minute.
    // LEDGER_BENCH_SMOKE=1: 2,000 streams, only to show that the scenario runs.
    private static readonly bool Smoke = Environment.GetEnvironmentVariable(RevokeThroughputScenario.SmokeSetting) == "1";
    private static readonly int Licenses = Smoke ? 2_000 : 50_000;
    private const int EventsPerLicense = 4;
    private static readonly int Events = Licenses * EventsPerLicense;
    private static readonly int LicensesPerSeedBatch = Math.Min(Licenses, 10_000);
    private const int RevokedEvery = 25;
    private const int DistinctLicenseKeys = 1_000;
    private const double TargetRatio = 0.4;
    private static readonly TimeSpan RebuildTimeout = TimeSpan.FromMinutes(30);

    public string Name => "replay";

    public string Description =>
        $"rebuilding the Issuance store's projections from {Events:N0} events ({Licenses:N0} license streams) as ledgerctl admin rebuild does, beside a plain Npgsql read of the same mt_events rows";

    public ScenarioReport Run(ScenarioLog log) => RunAsync(log).GetAwaiter().GetResult();

    private async Task<ScenarioReport> RunAsync(ScenarioLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        await using var database = BenchDatabase.Create(Name);
        var connection = await database.CreateServiceDatabaseAsync(IssuanceHost.ServiceName);
        await using var app = IssuanceStore(database);
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var schema = store.Options.Events.DatabaseSchemaName;

        log.Step($"seeding {Events:N0} events in {Licenses:N0} license streams with Marten's bulk event load (COPY, no projection while seeding)");
        var seeding = Stopwatch.StartNew();
        await SeedAsync(store, log);
        seeding.Stop();

        log.Step("ANALYZE after seeding, so the planner has statistics (not left to autovacuum's timing)");
        await AnalyzeAsync(connection);
        var (storedEvents, eventBytes) = await CountAsync(connection, schema);
        if (storedEvents != Events)
        {
            throw new BenchmarkInvalidException($"Seeding stored {storedEvents:N0} events, not {Events:N0}.");
        }

        log.Step("limit: reading every mt_events row with one Npgsql query (first of two reads)");
        var readBefore = await ReadEventsAsync(connection, schema);

        log.Step("rebuilding every projection (License snapshot) as ledgerctl admin rebuild --all does (the Admin service's ProjectionRebuild)");
        var shipped = app.Services.GetRequiredService<ProjectionRebuild>();
        var rebuilt = new List<RebuildResult>();
        var cpu = CpuMeter.ForDatabase(database.Server, database.Name);
        await cpu.StartAsync();
        var rebuild = Stopwatch.StartNew();
        using (var timeout = new CancellationTokenSource(RebuildTimeout))
        {
            foreach (var projection in app.Services.GetServices<LedgerProjection>())
            {
                rebuilt.Add(await projection.RebuildAsync(shipped, timeout.Token));
            }
        }

        rebuild.Stop();
        var rebuildCpu = await cpu.StopAsync(rebuild.Elapsed);

        log.Step("limit: reading every mt_events row again (second read)");
        var readAfter = await ReadEventsAsync(connection, schema);

        log.Step("checking the rebuilt licenses");
        await CheckRebuiltAsync(store);

        var rebuildRate = Events / rebuild.Elapsed.TotalSeconds;
        var readSeconds = (readBefore.TotalSeconds + readAfter.TotalSeconds) / 2;
        var readRate = Events / readSeconds;
        var ratio = rebuildRate / readRate;
        var projections = string.Join(", ", rebuilt.Select(r => $"{r.Name} ({r.Streams:N0} streams, {r.DocumentsCorrected:N0} documents corrected)"));

        var figures = new List<Figure>
        {
            new("rebuild_events_per_second", "projection rebuild (ledgerctl admin rebuild)", rebuildRate, "events/s", $"{Events:N0} events in {rebuild.Elapsed.TotalSeconds:0.0} s; {projections}"),
            new("read_events_per_second", "plain Npgsql read of mt_events (limit)", readRate, "events/s", $"mean of two reads: {readBefore.TotalSeconds:0.0} s before the rebuild, {readAfter.TotalSeconds:0.0} s after"),
            new("ratio", "ratio rebuild / plain read", ratio, "ratio", "events/s of the rebuild over events/s of the mean plain read"),
            new("rebuild_seconds", "rebuild time", rebuild.Elapsed.TotalSeconds, "s"),
            new("read_seconds", "plain read time", readSeconds, "s"),
            new("event_data_bytes", "event data read", eventBytes, "bytes", $"{eventBytes / Events:N0} bytes of JSON per event"),
            new("seed_events_per_second", "seeding (Marten BulkInsertEventsAsync, not a target)", Events / seeding.Elapsed.TotalSeconds, "events/s", $"{seeding.Elapsed.TotalSeconds:0.0} s"),
        };

        figures.AddRange(CpuFigures.Of("rebuild", "rebuild", rebuildCpu, Events, "event"));

        var targets = new List<Target>
        {
            Target.AtLeast(
                "ratio",
                $"rebuild / plain read >= {TargetRatio}",
                ratio,
                TargetRatio,
                "the shipped rebuild reads the same rows in one ordered query, but deserializes every event with Marten and folds it, then writes every document once more (binary COPY into the shadow table, its indexes, ANALYZE, the comparison with the live table and the swap): the limit only reads"),
        };

        var parameters = new Dictionary<string, object>
        {
            ["events"] = Events,
            ["license_streams"] = Licenses,
            ["events_per_stream"] = EventsPerLicense,
            ["revoked_every"] = RevokedEvery,
            ["distinct_license_keys"] = DistinctLicenseKeys,
            ["projections"] = projections,
            ["database"] = "PostgreSQL on localhost, a database of its own, dropped afterwards",
        };

        return new ScenarioReport(Name, Description, parameters, figures, targets,
        [
            .. (Smoke ? [$"SMOKE RUN ({RevokeThroughputScenario.SmokeSetting}=1): {Licenses:N0} license streams; the figures only show that the scenario works."] : Array.Empty<string>()),
            .. CpuFigures.TopStatements("rebuild", rebuildCpu, Events, "event", 8),
            "Each license stream is LicenseIssued, LicenseCapabilitiesChanged, LicenseRenewed, then LicenseRenewed again or (every 25th license) LicenseRevocationRecorded: the Issuance service's own event types, serialized by Marten.",
            $"Events carry real signed license keys, drawn from a pool of {DistinctLicenseKeys:N0} (signing 750,000 distinct keys would dominate the seeding, and the projection copies the key as text whatever it holds).",
            "The store is the one IssuanceHost configures (built through AddIssuance, not started); the rebuild is the Admin service's ProjectionRebuild, the code `ledgerctl admin rebuild --all --service issuance` runs, called in process (no gRPC hop).",
            "CPU per event is the rebuild's window from /proc: 'load driver' is this process (the rebuild runs in it), then the PostgreSQL backends of the scenario's database, PostgreSQL's background processes and RabbitMQ (both machine-wide).",
            "The database is ANALYZEd after seeding and dropped afterwards with Ledger.Testing's DatabaseDropper (retrying while autovacuum holds it).",
            "The limit reads seq_id, id, stream_id, version, type, timestamp, headers and data of every row in seq_id order, materializing data as a string.",
        ]);
    }

    /// <summary>The Issuance service's own store configuration: its host's services, built but not started.</summary>
    private static WebApplication IssuanceStore(BenchDatabase database)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["ConnectionStrings:Ledger"] = database.ConnectionString;
        builder.Configuration["ConnectionStrings:RabbitMq"] = "amqp://unused:unused@127.0.0.1:5672/";
        builder.AddIssuance();
        // AddServiceDefaults registers the issuer Issuance's outbox map names; the store needs it to be built.
        builder.Services.AddSingleton(new LedgerIssuer("ledger"));
        // The rebuild logs a warning per document it writes: every one here, by design of the seeding.
        builder.Logging.ClearProviders();
        return builder.Build();
    }

    /// <summary>Marten's bulk event load (binary COPY, no inline projection), so the rebuild makes every License itself.</summary>
    private static async Task SeedAsync(IDocumentStore store, ScenarioLog log)
    {
        var registry = (IEventRegistry)store.Options.Events;
        var keys = LicenseKeyPool();
        var start = DateTimeOffset.UtcNow.AddDays(-400);
        for (var first = 0; first < Licenses; first += LicensesPerSeedBatch)
        {
            var streams = new List<StreamAction>(LicensesPerSeedBatch);
            for (var i = first; i < first + LicensesPerSeedBatch; i++)
            {
                var (licenseId, events) = LicenseStream(i, start, keys);
                streams.Add(StreamAction.Start(registry, licenseId, events));
            }

            await store.BulkInsertEventsAsync(streams, LicensesPerSeedBatch * EventsPerLicense);
            if ((first / LicensesPerSeedBatch) % 10 == 9)
            {
                log.Step($"seeded {(first + LicensesPerSeedBatch) * EventsPerLicense:N0} events");
            }
        }
    }

    private static (Guid LicenseId, object[] Events) LicenseStream(int i, DateTimeOffset start, SignedLicenseKey[] keys)
    {
        var at = start.AddSeconds(i * 60);
        var id = UuidV7.NewId(at);
        var key = keys[i % keys.Length];
        var issued = new LicenseIssued(
            id, $"customer-{i % 5_000:D5}", $"Customer {i % 5_000:D5} GmbH", $"licensing+{i % 5_000}@example.com", $"cus_{i % 5_000:x24}",
            "ledger-desktop", "enterprise", "ledger-desktop", ["export", "sso"], at, at.AddDays(365), key, at, "billing", $"order-{i}");
        var changed = new LicenseCapabilitiesChanged(id, ["export", "sso", "audit-log"], key with { Revision = 2 }, at.AddDays(30), "crm", $"caps-{i}");
        var renewed = new LicenseRenewed(id, at.AddDays(365), at.AddDays(730), key with { Revision = 3 }, at.AddDays(300), "billing", $"renew-{i}");
        object last = i % RevokedEvery == 0
            ? new LicenseRevocationRecorded(id, "keyCompromise", at.AddDays(320), UuidV7.NewId(at.AddDays(320)), at.AddDays(320), "ledger", null)
            : new LicenseRenewed(id, at.AddDays(730), at.AddDays(1095), key with { Revision = 4 }, at.AddDays(660), "billing", $"renew2-{i}");
        return (id, [issued, changed, renewed, last]);
    }

    private static SignedLicenseKey[] LicenseKeyPool()
    {
        using var issuer = new BenchIssuer();
        var now = RevocationHistory.WholeSeconds(DateTimeOffset.UtcNow);
        return Enumerable.Range(0, DistinctLicenseKeys)
            .Select(i => new SignedLicenseKey(
                issuer.SignLicense(new LicenseClaims(UuidV7.NewId(), BenchIssuer.Issuer, $"cus_{i:x24}", "ledger-desktop", now, now, now.AddDays(365), ["export", "sso"], "ledger-desktop", "enterprise", 1)),
                BenchIssuer.LicenseKid,
                1))
            .ToArray();
    }

    private static async Task AnalyzeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var analyze = new NpgsqlCommand("ANALYZE", connection) { CommandTimeout = 600 };
        await analyze.ExecuteNonQueryAsync();
    }

    private static async Task<(long Events, long DataBytes)> CountAsync(string connectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*), coalesce(sum(octet_length(data::text)), 0) FROM {schema}.mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), (long)reader.GetDecimal(1));
    }

    private static async Task<TimeSpan> ReadEventsAsync(string connectionString, string schema)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT seq_id, id, stream_id, version, type, timestamp, headers, data FROM {schema}.mt_events ORDER BY seq_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        long rows = 0, characters = 0;
        while (await reader.ReadAsync())
        {
            characters += reader.GetString(7).Length;
            rows++;
        }

        clock.Stop();
        if (rows != Events || characters == 0)
        {
            throw new BenchmarkInvalidException($"The plain read returned {rows:N0} rows, not {Events:N0}.");
        }

        return clock.Elapsed;
    }

    private static async Task CheckRebuiltAsync(IDocumentStore store)
    {
        await using var session = store.QuerySession();
        var licenses = await session.Query<License>().CountAsync();
        var revoked = await session.Query<License>().CountAsync(l => l.Revoked);
        var fullyApplied = await session.Query<License>().CountAsync(l => l.Revision == 4 || (l.Revoked && l.Revision == 3));
        if (licenses != Licenses || revoked != Licenses / RevokedEvery || fullyApplied != Licenses)
        {
            throw new BenchmarkInvalidException($"The rebuild left {licenses:N0} licenses ({revoked:N0} revoked, {fullyApplied:N0} with every event applied); expected {Licenses:N0}, {Licenses / RevokedEvery:N0} and {Licenses:N0}.");
        }
    }
}
