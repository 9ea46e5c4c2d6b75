using Npgsql;

namespace Ledger.ServiceDefaults.EventStore;

/// <summary>
/// The deployment's base database (the one ConnectionStrings__Ledger names), which Marten uses as
/// the maintenance database when it creates the service's own <c>&lt;database&gt;_&lt;service&gt;</c>.
/// A deployment named anew (another database name, a fresh checkout's <c>make run</c>) has no base
/// database yet: it is created through the server's <c>postgres</c> database when the role may
/// create databases, and otherwise the service refuses to start saying what to do.
/// </summary>
public static class DeploymentDatabase
{
    public static string EnsureExists(string serverConnectionString)
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
            var maintenance = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres" };
            try
            {
                using var connection = new NpgsqlConnection(maintenance.ConnectionString);
                connection.Open();
                using var create = new NpgsqlCommand($"CREATE DATABASE \"{name!.Replace("\"", "\"\"")}\"", connection);
                create.ExecuteNonQuery();
            }
            catch (PostgresException created) when (created.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
            {
                // Another service of the deployment created it first (or at the same moment: the catalog's unique index decides).
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
