namespace Ledger.Verification.Tests.Support;

/// <summary>Seeded random corruptions of a valid input, for parsers that must refuse cleanly or accept.</summary>
public static class Mutations
{
    public static IEnumerable<byte[]> Of(byte[] valid, int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var bytes = valid.ToList();
            var edits = 1 + random.Next(4);
            for (var e = 0; e < edits && bytes.Count > 0; e++)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(6))
                {
                    case 0:
                        bytes[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 2:
                        bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                        break;
                    case 3:
                        bytes.Insert(at, (byte)random.Next(256));
                        break;
                    case 4:
                        bytes.InsertRange(at, bytes.Skip(random.Next(bytes.Count)).Take(1 + random.Next(16)).ToList());
                        break;
                    default:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                }
            }

            yield return [.. bytes];
        }
    }
}
