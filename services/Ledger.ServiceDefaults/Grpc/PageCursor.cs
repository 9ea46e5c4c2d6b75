using System.Globalization;
using System.Text;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>
/// The page token of newest-first lists: the last item's (time, id). Stable while new items
/// arrive, and opaque to clients; a token this service did not write is InvalidArgument.
/// </summary>
public static class PageCursor
{
    public static string Encode(DateTimeOffset at, Guid id) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{AsStored(at).UtcTicks}:{id}"));

    /// <summary>
    /// The time as PostgreSQL compares it: documents keep .NET's 100 ns ticks in JSON, and
    /// PostgreSQL rounds them to whole microseconds (half to even) when it reads them as a
    /// timestamp. A cursor holding the unrounded time would not equal its own row, and the rest
    /// of the rows sharing that time (a batch issued together) would be skipped.
    /// </summary>
    public static DateTimeOffset AsStored(DateTimeOffset at)
    {
        var microseconds = Math.Round(at.UtcTicks / (decimal)TimeSpan.TicksPerMicrosecond, MidpointRounding.ToEven);
        return new DateTimeOffset((long)microseconds * TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }

    /// <summary>(null, empty) for the first page's empty token.</summary>
    public static (DateTimeOffset? At, Guid Id) Decode(string token)
    {
        if (token.Length == 0)
        {
            return (null, Guid.Empty);
        }

        try
        {
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(token)).Split(':');
            return (new DateTimeOffset(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.Zero), Guid.Parse(parts[1]));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            throw RequestValidation.Invalid("page_token", "not a token this service returned; pass next_page_token from the previous page, or empty for the first");
        }
    }
}
