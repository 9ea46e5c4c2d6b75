using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Ledger.Crypto;

/// <summary>
/// UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, version 7, then 74 bits that are random except
/// for a counter. Ids from one process are strictly increasing (RFC 9562 §6.2 method 1): a 42-bit
/// counter fills rand_a and the top 30 bits of rand_b, reseeded each millisecond with its top bit clear
/// so it cannot roll over in practice; the last 32 bits stay random. If the clock steps back, the last
/// timestamp is kept.
/// </summary>
public static class UuidV7
{
    private const int CounterBits = 42;
    private const long CounterMax = (1L << CounterBits) - 1;
    private const long MaxUnixMilliseconds = (1L << 48) - 1;

    private static readonly Lock Gate = new();
    private static long lastMilliseconds = -1;
    private static long counter;

    public static Guid NewId() => NewMonotonic(TimeProvider.System);

    /// <summary>A v7 id for a given instant (not part of the monotonic sequence): for back-dated or replayed records.</summary>
    public static Guid NewId(DateTimeOffset timestamp)
    {
        var milliseconds = timestamp.ToUnixTimeMilliseconds();
        if (milliseconds is < 0 or > MaxUnixMilliseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, "A UUIDv7 holds instants from 1970-01-01 to about year 10889.");
        }

        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        Span<byte> bytes = stackalloc byte[16];
        WriteTimestamp(bytes, milliseconds);
        random.CopyTo(bytes[6..]);
        SetVersionAndVariant(bytes, 7);
        return new Guid(bytes, bigEndian: true);
    }

    /// <exception cref="ArgumentException">The id is not a UUIDv7.</exception>
    public static DateTimeOffset Timestamp(Guid id)
    {
        if (!IsVersion7(id))
        {
            throw new ArgumentException($"{id} is not a UUIDv7, so it carries no Unix timestamp.", nameof(id));
        }

        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var milliseconds = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    public static bool IsVersion7(Guid id) => VersionOf(id) == 7;

    /// <summary>
    /// Parses the 36-character hyphenated form (any case) of a UUIDv7, or of a UUIDv6 as written by other
    /// tools; any other version or variant is refused.
    /// </summary>
    public static bool TryParse(string? text, out Guid id)
    {
        id = Guid.Empty;
        if (text is null || text.Length != 36 || !Guid.TryParseExact(text, "D", out var parsed))
        {
            return false;
        }

        if (VersionOf(parsed) is not (6 or 7))
        {
            return false;
        }

        id = parsed;
        return true;
    }

    internal static Guid NewMonotonic(TimeProvider clock)
    {
        long milliseconds;
        long sequence;
        lock (Gate)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (now > lastMilliseconds)
            {
                lastMilliseconds = now;
                counter = SeedCounter();
            }
            else if (counter < CounterMax)
            {
                counter++;
            }
            else
            {
                // Rollover: borrow the next millisecond rather than repeat or go backwards.
                lastMilliseconds++;
                counter = SeedCounter();
            }

            milliseconds = lastMilliseconds;
            sequence = counter;
        }

        Span<byte> bytes = stackalloc byte[16];
        WriteTimestamp(bytes, milliseconds);
        bytes[6] = (byte)(sequence >> 38);
        bytes[7] = (byte)(sequence >> 30);
        bytes[8] = (byte)(sequence >> 24);
        bytes[9] = (byte)(sequence >> 16);
        bytes[10] = (byte)(sequence >> 8);
        bytes[11] = (byte)sequence;
        RandomNumberGenerator.Fill(bytes[12..]);
        SetVersionAndVariant(bytes, 7);
        return new Guid(bytes, bigEndian: true);
    }

    /// <returns>The version nibble when the variant is RFC 9562's (binary 10), else -1.</returns>
    internal static int VersionOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return (bytes[8] & 0xC0) == 0x80 ? bytes[6] >> 4 : -1;
    }

    private static long SeedCounter()
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return (long)(BinaryPrimitives.ReadUInt64BigEndian(random) >> (64 - (CounterBits - 1)));
    }

    private static void WriteTimestamp(Span<byte> bytes, long milliseconds)
    {
        Span<byte> eight = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(eight, (ulong)milliseconds << 16);
        eight[..6].CopyTo(bytes);
    }

    // Byte 6 keeps its low nibble (rand_a's top bits); byte 8 keeps its low six bits.
    private static void SetVersionAndVariant(Span<byte> bytes, int version)
    {
        bytes[6] = (byte)((version << 4) | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
    }
}
