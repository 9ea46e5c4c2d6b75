using System.Numerics;
using System.Security.Cryptography;

namespace Ledger.Crypto;

/// <summary>
/// NIST P-256 public point validation (SP 800-56A r3 §5.6.2.3.4): coordinates in range and on the curve.
/// Done by hand so the check does not depend on what the platform's crypto library does on import;
/// an unchecked ECDH-ES <c>epk</c> leaks the recipient's private key (invalid-curve attack).
/// </summary>
internal static class P256Curve
{
    public const int CoordinateLength = 32;

    private static readonly BigInteger P = Parse("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    private static readonly BigInteger B = Parse("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");

    public static bool Contains(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        if (x.Length != CoordinateLength || y.Length != CoordinateLength)
        {
            return false;
        }

        var bx = new BigInteger(x, isUnsigned: true, isBigEndian: true);
        var by = new BigInteger(y, isUnsigned: true, isBigEndian: true);
        if (bx >= P || by >= P)
        {
            return false;
        }

        var left = BigInteger.ModPow(by, 2, P);
        var right = (BigInteger.ModPow(bx, 3, P) - (3 * bx) + B) % P;
        if (right.Sign < 0)
        {
            right += P;
        }

        return left == right;
    }

    public static bool IsP256(ECCurve curve) =>
        curve.IsNamed && (curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value
            || string.Equals(curve.Oid.FriendlyName, ECCurve.NamedCurves.nistP256.Oid.FriendlyName, StringComparison.Ordinal));

    private static BigInteger Parse(string hex) =>
        new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);
}
