namespace Ledger.Crypto;

/// <summary>
/// The <c>kid</c> alphabet Ledger accepts: <c>^[A-Za-z0-9._:-]{1,128}$</c>. A kid is only ever an
/// exact-match lookup key; keeping path, quote and SQL characters out means it stays harmless even if
/// someone later logs it or puts it in a query.
/// </summary>
public static class KeyId
{
    public const int MaxLength = 128;

    public const string Pattern = "^[A-Za-z0-9._:-]{1,128}$";

    public static bool IsValid(string? kid)
    {
        if (string.IsNullOrEmpty(kid) || kid.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in kid)
        {
            if (!(c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    internal static void Require(string? kid, string paramName)
    {
        if (!IsValid(kid))
        {
            throw new ArgumentException($"A kid must match {Pattern}; got {Describe(kid)}.", paramName);
        }
    }

    /// <summary>Quotes a kid for an error message without echoing attacker-sized or control-laden text.</summary>
    internal static string Describe(string? kid)
    {
        if (kid is null)
        {
            return "no kid";
        }

        if (IsValid(kid))
        {
            return $"'{kid}'";
        }

        return $"a value of {kid.Length} characters outside that alphabet";
    }
}
