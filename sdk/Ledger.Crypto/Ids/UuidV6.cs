using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Ledger.Crypto;

/// <summary>
/// UUIDv6 (RFC 9562 §5.6): the 60-bit Gregorian timestamp (100 ns since 1582-10-15) written most
/// significant bits first, version 6, then a random clock sequence and node (§6.10 allows random
/// bits there). The Flux Operator's distro tooling requires it for license key and attestation ids
/// and key ids, so Ledger writes it wherever it produces Flux-format documents.
/// </summary>
public static class UuidV6
{
    /// <summary>100-ns intervals between 1582-10-15T00:00:00Z and 1970-01-01T00:00:00Z.</summary>
    private const long GregorianOffset = 0x01B21DD213814000L;

    private static readonly Lock Gate = new();
    private static long lastTicks = -1;

    /// <summary>A v6 id for now; ids made by one process are strictly increasing in their timestamp field.</summary>
    public static Guid NewId()
    {
        var ticks = GregorianTicks(TimeProvider.System.GetUtcNow());
        lock (Gate)
        {
            // Two ids in the same 100 ns (or after a clock step back) take the next interval, so the ids stay ordered.
            ticks = ticks > lastTicks ? ticks : lastTicks + 1;
            lastTicks = ticks;
        }

        return Create(ticks);
    }

    /// <summary>A v6 id for <paramref name="timestamp"/> (not part of the increasing sequence): for a document dated at that instant.</summary>
    public static Guid NewId(DateTimeOffset timestamp) => Create(GregorianTicks(timestamp));

    private static long GregorianTicks(DateTimeOffset timestamp) =>
        timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + GregorianOffset;

    private static Guid Create(long ticks)
    {
        Span<byte> bytes = stackalloc byte[16];
        var time = (ulong)ticks & 0x0FFF_FFFF_FFFF_FFFFUL;
        // time_high (32) | time_mid (16) | ver (4) | time_low (12)
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(time >> 28));
        BinaryPrimitives.WriteUInt16BigEndian(bytes[4..], (ushort)(time >> 12));
        BinaryPrimitives.WriteUInt16BigEndian(bytes[6..], (ushort)(0x6000 | (time & 0x0FFF)));
        RandomNumberGenerator.Fill(bytes[8..]);
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    public static bool IsVersion6(Guid id) => UuidV7.VersionOf(id) == 6;

    /// <exception cref="ArgumentException">The id is not a UUIDv6.</exception>
    public static DateTimeOffset Timestamp(Guid id)
    {
        if (!IsVersion6(id))
        {
            throw new ArgumentException($"{id} is not a UUIDv6, so it carries no Gregorian timestamp.", nameof(id));
        }

        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var high = (ulong)BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var mid = (ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
        var low = (ulong)(BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]) & 0x0FFF);
        var ticks = (long)((high << 28) | (mid << 12) | low) - GregorianOffset;
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + ticks, TimeSpan.Zero);
    }

    /// <summary>Parses the 36-character hyphenated form (any case) of a UUIDv6; any other version is refused.</summary>
    public static bool TryParse(string? text, out Guid id)
    {
        id = Guid.Empty;
        if (text is null || text.Length != 36 || !Guid.TryParseExact(text, "D", out var parsed) || !IsVersion6(parsed))
        {
            return false;
        }

        id = parsed;
        return true;
    }
}
