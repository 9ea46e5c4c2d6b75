using System.Net;
using Ledger.ServiceDefaults.Hosting;
using Npgsql;

namespace Ledger.ServiceDefaults.EventStore;

/// <summary>
/// The settings a service's PostgreSQL connections get beyond what the connection string says,
/// unless it says them itself (a key the string sets is never overridden):
/// <list type="bullet">
/// <item>TLS decided by <c>Ledger:Postgres:Tls</c>: <c>auto</c> (default) turns it off for a server on
/// this machine (127.0.0.1, ::1, localhost, a Unix socket) and requires it for any other; <c>on</c>
/// requires it everywhere, <c>off</c> turns it off. Npgsql's own default (<c>Prefer</c>) negotiates TLS with
/// a local server that happens to enable <c>ssl</c>, which costs CPU on every connection and buys nothing
/// on loopback. Certificate checking needs <c>SSL Mode=VerifyFull</c> (and the CA) in the string.</item>
/// <item><c>No Reset On Close</c>: a pooled connection is returned without <c>DISCARD ALL</c> (a round trip
/// per return, and it drops every prepared statement). Ledger's code sets no session state it leaves
/// behind: its advisory locks are transaction-scoped.</item>
/// <item><c>Max Auto Prepare</c> 64, <c>Auto Prepare Min Usages</c> 2: statements run again and again
/// (appends, loads, the outbox's queries) are prepared once per connection and kept.</item>
/// </list>
/// </summary>
public static class PostgresConnectionTuning
{
    public const string Section = "Ledger:Postgres";
    public const string TlsSetting = Section + ":Tls";

    public const int MaxAutoPrepare = 64;

    public const int AutoPrepareMinUsages = 2;

    /// <summary>The settings under <see cref="Section"/>, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        /// <summary><c>auto</c> (default), <c>on</c> or <c>off</c>; <see cref="PostgresConnectionTuning.Tls"/> says what each means.</summary>
        public string? Tls { get; set; } = "auto";

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            if (!TryReadTls(Tls, out _))
            {
                yield return ("Tls", $"must be auto (TLS except to this machine, the default), on or off (was '{Tls}')");
            }
        }
    }

    public static string Apply(string connectionString, Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var given = new NpgsqlConnectionStringBuilder(connectionString);
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Names(connectionString, "SSL Mode", "SslMode", "sslmode"))
        {
            tuned.SslMode = Tls(settings.Tls, given.Host) ? SslMode.Require : SslMode.Disable;
        }

        if (!Names(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            tuned.NoResetOnClose = true;
        }

        if (!Names(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            tuned.MaxAutoPrepare = MaxAutoPrepare;
        }

        if (!Names(connectionString, "Auto Prepare Min Usages", "AutoPrepareMinUsages"))
        {
            tuned.AutoPrepareMinUsages = AutoPrepareMinUsages;
        }

        return tuned.ConnectionString;
    }

    /// <summary>Reads the TLS setting: <paramref name="forced"/> is null for auto, else on or off; false when the value is none of them.</summary>
    private static bool TryReadTls(string? setting, out bool? forced)
    {
        (var known, forced) = setting?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => (true, (bool?)null),
            "on" or "true" or "require" => (true, true),
            "off" or "false" or "disable" => (true, false),
            _ => (false, null),
        };
        return known;
    }

    /// <summary>Whether connections to <paramref name="hosts"/> (Npgsql's Host, comma-separated for several) use TLS under <paramref name="setting"/>.</summary>
    public static bool Tls(string? setting, string? hosts) => TryReadTls(setting, out var forced)
        ? forced ?? !(hosts ?? "localhost").Split(',').All(IsLocal)
        : throw new InvalidOperationException($"{TlsSetting} is '{setting}'; use auto (TLS except to this machine, the default), on or off.");

    private static bool IsLocal(string host)
    {
        // host, host:port, an IPv6 address, [IPv6]:port, or a Unix socket directory.
        var name = host.Trim();
        if (name.StartsWith('[') && name.IndexOf(']') is var close and > 0)
        {
            name = name[1..close];
        }
        else if (name.Count(c => c == ':') == 1)
        {
            name = name[..name.IndexOf(':')];
        }

        return name.Length == 0 || name.StartsWith('/') || name.StartsWith('@')
            || string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
    }

    private static bool Names(string connectionString, params string[] keys) =>
        connectionString.Split(';').Select(part => part.Split('=', 2)[0].Trim())
            .Any(key => keys.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)));
}
