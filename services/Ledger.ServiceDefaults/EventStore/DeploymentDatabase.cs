using Npgsql;

namespace Ledger.ServiceDefaults.EventStore;

/// <summary>
/// The deployment's base database (the one ConnectionStrings__Ledger names), which Marten uses as
/// the maintenance database when it creates the service's own <c>&lt;database&gt;_&lt;service&gt;</c>.
/// A deployment named anew (another database name, a fresh checkout's <c>make run</c>) has no base
/// database yet: it is created through the server's <c>postgres</c> database when the role may
/// create databases, and otherwise the service refuses to start saying what to do. The service's
/// own database is ensured the same way, through the deployment database, before Marten looks for
/// it: replicas starting together on an empty server would otherwise both create it, and one fail.
/// </summary>
public static class DeploymentDatabase
{
    /// <param name="serverConnectionString">Names the database to ensure.</param>
    /// <param name="maintenanceDatabase">The existing database to connect to when it must be created.</param>
    public static string EnsureExists(string serverConnectionString, string maintenanceDatabase = "postgres")
    {
        var builder = new NpgsqlConnectionStringBuilder(serverConnectionString);
        try
        {
            using var connection = new NpgsqlConnection(serverConnectionString);
            connection.Open();
            return serverConnectionString;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            var name = builder.Database;
            var maintenance = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = maintenanceDatabase };
            try
            {
                using var connection = new NpgsqlConnection(maintenance.ConnectionString);
                connection.Open();
                using var create = new NpgsqlCommand($"CREATE DATABASE \"{name!.Replace("\"", "\"\"")}\"", connection);
                create.ExecuteNonQuery();
            }
            catch (PostgresException created) when (created.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
            {
                // Another service or replica of the deployment created it first (or at the same moment: the catalog's unique index decides).
            }
            catch (PostgresException refused) when (refused.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new InvalidOperationException(
                    $"setting ConnectionStrings:Ledger: the database \"{name}\" does not exist and the role \"{builder.Username}\" may not create it. " +
                    $"Create it (CREATE DATABASE \"{name}\" OWNER \"{builder.Username}\"), or grant the role CREATEDB.", refused);
            }

            return serverConnectionString;
        }
    }
}
