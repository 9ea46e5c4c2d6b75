namespace Ledger.Testing;

/// <summary>
/// A family of databases: a name and every <c>&lt;name&gt;_&lt;service&gt;</c> made from it (each service's
/// own database, <c>EventStoreExtensions.ServiceDatabase</c>). Queries select a family with
/// <c>datname = @name OR datname LIKE @prefix</c>, the prefix from <see cref="LikePrefix"/>.
/// </summary>
public static class DatabaseFamily
{
    /// <summary>The LIKE pattern of the family's service databases: <paramref name="name"/>'s underscores escaped, then <c>_%</c>.</summary>
    public static string LikePrefix(string name) => name.Replace("_", "\\_", StringComparison.Ordinal) + "\\_%";
}
