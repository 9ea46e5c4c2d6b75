using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Ledger.Verification;

/// <summary>
/// A CRLite-style Bloom filter cascade over a known universe of ids: level 1 holds the revoked ids,
/// each later level the ids the level before wrongly includes, until a level has no false positives.
/// It answers "revoked?" exactly for every id of the universe it was built over, and arbitrarily for
/// any other id. Byte format and hashing: docs/FEEDS.md.
/// </summary>
public sealed class RevocationCascade
{
    public const int MaxLevels = 64;

    private const int HeaderLength = 5;
    private const int LevelHeaderLength = 9;
    private const int MinimumBits = 64;
    private const int MaxSaltAttempts = 1024;
    private const double MinimumFirstRate = 1e-6;
    private const double LaterRate = 0.5;

    private static ReadOnlySpan<byte> Magic => "LBC1"u8;

    private readonly Level[] levels;

    private RevocationCascade(Level[] levels)
    {
        this.levels = levels;
    }

    public int Levels => levels.Length;

    public int ByteLength => HeaderLength + levels.Sum(level => LevelHeaderLength + level.Bits.Length);

    /// <summary>
    /// Builds the cascade for <paramref name="revoked"/> within the universe revoked ∪ <paramref name="notRevoked"/>.
    /// The same sets and seed give the same bytes, whatever order the ids come in.
    /// </summary>
    /// <exception cref="ArgumentException">An id is in both sets.</exception>
    public static RevocationCascade Build(IReadOnlyCollection<Guid> revoked, IReadOnlyCollection<Guid> notRevoked, uint seed = 0)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        ArgumentNullException.ThrowIfNull(notRevoked);
        var revokedSet = revoked.ToHashSet();
        var notRevokedSet = notRevoked.ToHashSet();
        if (revokedSet.Overlaps(notRevokedSet))
        {
            throw new ArgumentException($"Id {revokedSet.First(notRevokedSet.Contains)} is both revoked and not revoked; the two sets must be disjoint.", nameof(notRevoked));
        }

        // Level 1's rate keeps its false positives near |R|·√2, which minimises the total size (CRLite).
        var firstRate = notRevokedSet.Count == 0
            ? LaterRate
            : Math.Clamp(revokedSet.Count * Math.Sqrt(2) / notRevokedSet.Count, MinimumFirstRate, LaterRate);

        var built = new List<Level>();
        var included = revokedSet.ToList();
        var tested = notRevokedSet.ToList();
        var salt = seed;
        while (true)
        {
            var number = built.Count + 1;
            if (number > MaxLevels)
            {
                throw new InvalidOperationException($"The cascade needs more than {MaxLevels} levels; build it again with another seed.");
            }

            var (level, falsePositives) = BuildLevel(number, included, tested, number == 1 ? firstRate : LaterRate, ref salt);
            built.Add(level);
            if (falsePositives.Count == 0)
            {
                return new RevocationCascade([.. built]);
            }

            (included, tested) = (falsePositives, included);
        }
    }

    /// <summary>Parses cascade bytes, refusing anything but exactly the format: no slack, no trailing bytes.</summary>
    /// <exception cref="FeedFormatException">The bytes are not a cascade.</exception>
    public static RevocationCascade Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength || !data[..4].SequenceEqual(Magic))
        {
            throw new FeedFormatException("The cascade does not start with \"LBC1\" and a level count.");
        }

        var count = data[4];
        if (count is 0 or > MaxLevels)
        {
            throw new FeedFormatException($"The cascade declares {count} levels; it must have 1 to {MaxLevels}.");
        }

        var levels = new Level[count];
        var offset = HeaderLength;
        for (var i = 0; i < count; i++)
        {
            if (data.Length - offset < LevelHeaderLength)
            {
                throw new FeedFormatException($"The cascade ends inside the header of level {i + 1} (byte {offset}).");
            }

            var bits = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var hashCount = data[offset + 4];
            var salt = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 5)..]);
            offset += LevelHeaderLength;
            if (bits == 0 || hashCount == 0)
            {
                throw new FeedFormatException($"Cascade level {i + 1} has {bits} bits and {hashCount} hashes; both must be at least 1.");
            }

            var length = (bits + 7L) / 8;
            if (data.Length - offset < length)
            {
                throw new FeedFormatException($"Cascade level {i + 1} declares {bits} bits ({length} bytes) but only {data.Length - offset} bytes remain.");
            }

            var filter = data.Slice(offset, (int)length);
            var spare = (int)(length * 8 - bits);
            if (spare > 0 && (filter[^1] >> (8 - spare)) != 0)
            {
                throw new FeedFormatException($"Cascade level {i + 1} sets bits beyond its {bits}-bit length.");
            }

            levels[i] = new Level(bits, hashCount, salt, filter.ToArray());
            offset += (int)length;
        }

        if (offset != data.Length)
        {
            throw new FeedFormatException($"The cascade has {data.Length - offset} bytes after its last level.");
        }

        return new RevocationCascade(levels);
    }

    /// <summary>A level holding <paramref name="included"/>, and the ids of <paramref name="tested"/> it wrongly includes.</summary>
    private static (Level Level, List<Guid> FalsePositives) BuildLevel(int number, List<Guid> included, List<Guid> tested, double rate, ref uint salt)
    {
        for (var attempt = 0; attempt < MaxSaltAttempts; attempt++)
        {
            var level = Level.Create(included, rate, salt, number);
            var falsePositives = tested.Where(id => level.Contains(id, number)).ToList();

            // Without progress the next level would hold the same ids as the one before: try another salt.
            if (falsePositives.Count < tested.Count || tested.Count == 0)
            {
                return (level, falsePositives);
            }

            salt = unchecked(salt + 1);
        }

        throw new InvalidOperationException($"Cascade level {number} found no salt that separates its ids in {MaxSaltAttempts} tries.");
    }

    /// <summary>Exact for ids of the universe the cascade was built over; meaningless for any other id.</summary>
    public bool IsRevoked(Guid id)
    {
        for (var i = 0; i < levels.Length; i++)
        {
            if (!levels[i].Contains(id, i + 1))
            {
                // Odd levels hold revoked ids, even levels the false positives of the level before.
                return (i + 1) % 2 == 0;
            }
        }

        return levels.Length % 2 == 1;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        Magic.CopyTo(bytes);
        bytes[4] = (byte)levels.Length;
        var offset = HeaderLength;
        foreach (var level in levels)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(offset), level.BitCount);
            bytes[offset + 4] = level.HashCount;
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(offset + 5), level.Salt);
            offset += LevelHeaderLength;
            level.Bits.CopyTo(bytes, offset);
            offset += level.Bits.Length;
        }

        return bytes;
    }

    private sealed class Level(uint bitCount, byte hashCount, uint salt, byte[] bits)
    {
        public uint BitCount { get; } = bitCount;

        public byte HashCount { get; } = hashCount;

        public uint Salt { get; } = salt;

        public byte[] Bits { get; } = bits;

        public static Level Create(IReadOnlyCollection<Guid> ids, double rate, uint salt, int number)
        {
            var n = ids.Count;
            uint bitCount = MinimumBits;
            byte hashCount = 1;
            if (n > 0)
            {
                var optimal = Math.Ceiling(-n * Math.Log(rate) / (Math.Log(2) * Math.Log(2)));
                if (optimal > uint.MaxValue - 7)
                {
                    throw new InvalidOperationException($"Cascade level {number} would need {optimal} bits; the format holds at most 2^32.");
                }

                bitCount = Math.Max(MinimumBits, (uint)optimal);
                hashCount = (byte)Math.Clamp(Math.Round(bitCount / (double)n * Math.Log(2), MidpointRounding.AwayFromZero), 1, byte.MaxValue);
            }

            var level = new Level(bitCount, hashCount, salt, new byte[(bitCount + 7L) / 8]);
            Span<ulong> positions = stackalloc ulong[hashCount];
            foreach (var id in ids)
            {
                level.Positions(id, number, positions);
                foreach (var position in positions)
                {
                    level.Bits[position / 8] |= (byte)(1 << (int)(position % 8));
                }
            }

            return level;
        }

        public bool Contains(Guid id, int number)
        {
            Span<ulong> positions = stackalloc ulong[HashCount];
            Positions(id, number, positions);
            foreach (var position in positions)
            {
                if ((Bits[position / 8] & (1 << (int)(position % 8))) == 0)
                {
                    return false;
                }
            }

            return true;
        }

        // h = SHA-256(salt_be32 || level_u8 || id_rfc9562); position j = (h1 + j·h2) mod bits, in wrapping u64.
        private void Positions(Guid id, int number, Span<ulong> positions)
        {
            Span<byte> input = stackalloc byte[21];
            BinaryPrimitives.WriteUInt32BigEndian(input, Salt);
            input[4] = (byte)number;
            id.TryWriteBytes(input[5..], bigEndian: true, out _);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(input, hash);
            var h1 = BinaryPrimitives.ReadUInt64BigEndian(hash);
            var h2 = BinaryPrimitives.ReadUInt64BigEndian(hash[8..]);
            for (var j = 0; j < positions.Length; j++)
            {
                positions[j] = unchecked(h1 + ((ulong)j * h2)) % BitCount;
            }
        }
    }
}
