using System.Numerics;

namespace Ledger.Crypto;

/// <summary>
/// Checks an Ed25519 public key encoding before it enters a key set: canonical, on the curve and not of
/// small order. Signatures under small-order keys can verify for many messages ("Taming the many
/// EdDSAs", 2020); libsodium refuses them when verifying, and refusing them at import names the problem
/// where an operator can fix it.
/// </summary>
internal static class Edwards25519
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly BigInteger D = Mod(-121665 * Inverse(121666));
    private static readonly BigInteger SqrtMinusOne = BigInteger.ModPow(2, (P - 1) / 4, P);

    /// <returns>Why the key is refused, or null when it is acceptable.</returns>
    public static string? RejectPublicKey(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length != 32)
        {
            return $"an Ed25519 public key is 32 bytes, not {encoded.Length}";
        }

        var sign = encoded[31] >> 7;
        Span<byte> yBytes = stackalloc byte[32];
        encoded.CopyTo(yBytes);
        yBytes[31] &= 0x7F;
        var y = new BigInteger(yBytes, isUnsigned: true, isBigEndian: false);
        if (y >= P)
        {
            return "the Ed25519 public key is not canonically encoded (y >= 2^255-19)";
        }

        var y2 = Mod(y * y);
        var x2 = Mod((y2 - 1) * Inverse(Mod((D * y2) + 1)));
        var x = BigInteger.ModPow(x2, (P + 3) / 8, P);
        if (Mod(x * x) != x2)
        {
            x = Mod(x * SqrtMinusOne);
            if (Mod(x * x) != x2)
            {
                return "the Ed25519 public key is not a point on the curve";
            }
        }

        if (x.IsZero && sign == 1)
        {
            return "the Ed25519 public key is not canonically encoded (negative zero x)";
        }

        if ((int)(x % 2) != sign)
        {
            x = P - x;
        }

        var (px, py) = (x, y);
        for (var i = 0; i < 3; i++)
        {
            (px, py) = Add(px, py, px, py);
        }

        return px.IsZero && py.IsOne ? "the Ed25519 public key has small order" : null;
    }

    // Twisted Edwards addition with a = -1; complete on this curve because d is not a square.
    private static (BigInteger X, BigInteger Y) Add(BigInteger x1, BigInteger y1, BigInteger x2, BigInteger y2)
    {
        var t = Mod(D * x1 * x2 * y1 * y2);
        var x3 = Mod(((x1 * y2) + (y1 * x2)) * Inverse(Mod(1 + t)));
        var y3 = Mod(((y1 * y2) + (x1 * x2)) * Inverse(Mod(1 - t)));
        return (x3, y3);
    }

    private static BigInteger Inverse(BigInteger value) => BigInteger.ModPow(Mod(value), P - 2, P);

    private static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }
}
