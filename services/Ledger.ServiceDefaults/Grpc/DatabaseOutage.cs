using Npgsql;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>Whether a failure means the database could not be reached, as opposed to a refusal of the request.</summary>
public static class DatabaseOutage
{
    /// <summary>
    /// PostgreSQL is down, restarting or unreachable, wherever in the chain Marten and Npgsql put it:
    /// a transient Npgsql failure, a connection class (08) or operator-intervention class (57P:
    /// shutdown, crash, "cannot connect now") error, or a socket failure.
    /// </summary>
    public static bool Is(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres when postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal):
                case NpgsqlException npgsql when npgsql.IsTransient:
                case System.Net.Sockets.SocketException:
                    return true;
            }
        }

        return false;
    }
}
