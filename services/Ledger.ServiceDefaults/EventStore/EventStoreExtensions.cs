using JasperFx;
using JasperFx.Events.Daemon;
using Ledger.ServiceDefaults.Health;
using Ledger.ServiceDefaults.Hosting;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ledger.ServiceDefaults.EventStore;

/// <summary>Marten conventions every Ledger service shares.</summary>
public static class EventStoreExtensions
{
    /// <summary>
    /// Configuration key of the PostgreSQL connection string (env: ConnectionStrings__Ledger). Its
    /// database names the deployment; each service uses <c>&lt;database&gt;_&lt;service&gt;</c> on that server.
    /// </summary>
    public const string ConnectionStringName = "Ledger";

    /// <summary>
    /// Registers the service's Marten store in its own schema, with the async daemon in
    /// HotCold mode (one replica runs projections and subscriptions; others take over).
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddLedgerEventStore(
        this WebApplicationBuilder builder, string schema, Action<StoreOptions, IServiceProvider> configure)
    {
        builder.Services.AddValidatedSettings<PostgresConnectionTuning.Settings>(PostgresConnectionTuning.Section);
        builder.Services.AddHostedService(sp => new DaemonLagMetrics(
            sp.GetRequiredService<IDocumentStore>(), schema,
            new Npgsql.NpgsqlConnectionStringBuilder(ServiceDatabase(ConnectionString(sp.GetRequiredService<IConfiguration>()), schema)).Database ?? schema,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DaemonLagMetrics>>()));
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AcceptedClientTokens>();
        builder.Services.AddSingleton<Ledger.ClientTokens.IAcceptedTokenIds>(sp => sp.GetRequiredService<AcceptedClientTokens>());
        builder.Services.AddSingleton<AcceptedClientTokensSweep>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AcceptedClientTokensSweep>());
        var marten = builder.Services
            .AddMarten(sp =>
            {
                var configuration = sp.GetRequiredService<IConfiguration>();
                var server = DeploymentDatabase.EnsureExists(ConnectionString(configuration));
                var options = new StoreOptions();
                var deployment = new Npgsql.NpgsqlConnectionStringBuilder(server);
                options.Connection(PostgresConnectionTuning.Apply(
                    DeploymentDatabase.EnsureExists(ServiceDatabase(server, schema), deployment.Database ?? deployment.Username ?? "postgres"), sp.Settings<PostgresConnectionTuning.Settings>()));
                // Each service owns a database of its own, created on first start. Sharing one
                // database would let another service's long-lived daemon lock transaction look
                // like a live writer to this service's daemon and hold its projections and its
                // outbox at every sequence gap (a rolled-back append).
                options.CreateDatabasesForTenants(c =>
                {
                    c.MaintenanceDatabase(server);
                    c.ForTenant().CheckAgainstPgDatabase();
                });
                options.DatabaseSchemaName = schema;
                options.Events.DatabaseSchemaName = schema;
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                // DistributedLock.Postgres 1.3.1 cannot multiplex advisory locks over a data
                // source; a lock held by a transaction on its own connection works (infra/nuget/README.md).
                options.Events.UseAdvisoryLockTransaction = true;
                // Wake the daemon (projections and the outbox forwarder) on every append through
                // LISTEN/NOTIFY instead of waiting for its next poll (up to a second when idle), so an
                // integration event reaches RabbitMQ milliseconds after its commit. Polling stays as
                // the fallback.
                options.Events.UseListenNotifyForEventAppends = true;
                options.Events.MetadataConfig.HeadersEnabled = true;
                options.Listeners.Add(new TraceContextHeaders());
                // Client-token replays are refused across replicas and restarts (ReplayGuard).
                options.Storage.ExtendedSchemaObjects.Add(AcceptedClientTokens.Table(schema));
                configure(options, sp);
                return options;
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .AddAsyncDaemon(DaemonMode.HotCold);
        // After the daemon's coordinator: started after it, stopped before it (no check of a stopping daemon).
        builder.Services.AddHostedService<StoppedShardRestarter>();
        return marten;
    }

    /// <summary>The service's own database on the configured server: <c>&lt;database&gt;_&lt;service&gt;</c>.</summary>
    public static string ServiceDatabase(string serverConnectionString, string service)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(serverConnectionString);
        builder.Database = $"{builder.Database ?? builder.Username ?? "ledger"}_{service}";
        return builder.ConnectionString;
    }

    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "No PostgreSQL connection string: set ConnectionStrings__Ledger " +
                "(for example Host=127.0.0.1;Port=5432;Database=ledger;Username=ledger;Password=ledger).");
}
