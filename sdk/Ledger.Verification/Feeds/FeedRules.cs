using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>Format rules shared by feed payloads, filter payloads and stored state, checked on write and on read.</summary>
internal static class FeedRules
{
    public static void Issuer(string? issuer, string what)
    {
        if (string.IsNullOrEmpty(issuer) || issuer.Length > RevocationFeedPayload.MaxIssuerLength || JsonMembers.HasControlCharacter(issuer))
        {
            throw new FeedFormatException($"The {what} 'iss' must be 1 to {RevocationFeedPayload.MaxIssuerLength} characters with no control characters.");
        }
    }

    public static byte[] ChainHash(string? chain, string member, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Base64Url.Decode(chain ?? throw new FeedFormatException($"The {what} '{member}' is missing."));
        }
        catch (FormatException ex)
        {
            throw new FeedFormatException($"The {what} '{member}' is not base64url: {ex.Message}", ex);
        }

        if (bytes.Length != FeedChain.HashLength)
        {
            throw new FeedFormatException($"The {what} '{member}' decodes to {bytes.Length} bytes; a chain hash is {FeedChain.HashLength}.");
        }

        return bytes;
    }

    public static void Time(DateTimeOffset time, string member, string what)
    {
        if (time.ToUnixTimeSeconds() < 0)
        {
            throw new FeedFormatException($"The {what} '{member}' is before 1970-01-01; feed times are Unix seconds from 0.");
        }
    }

    public static void Lifetime(DateTimeOffset issuedAt, DateTimeOffset expiresAt, string what)
    {
        Time(issuedAt, "iat", what);
        Time(expiresAt, "exp", what);
        if (expiresAt.ToUnixTimeSeconds() <= issuedAt.ToUnixTimeSeconds())
        {
            throw new FeedFormatException($"The {what} expires ({expiresAt.Text()}) no later than it was issued ({issuedAt.Text()}).");
        }
    }

    public static void Entry(RevocationEntry entry, string what)
    {
        if (entry.Version < 1)
        {
            throw new FeedFormatException($"The {what} has version {entry.Version}; revocation versions start at 1.");
        }

        if (entry.Id == Guid.Empty)
        {
            throw new FeedFormatException($"The {what} has the nil UUID as its id.");
        }

        Time(entry.RevokedAt, "at", what);
        Time(entry.ExpiresAt, "exp", what);
        if (string.IsNullOrEmpty(entry.Reason) || entry.Reason.Length > RevocationEntry.MaxReasonLength || !entry.Reason.All(char.IsAsciiLetter))
        {
            throw new FeedFormatException($"The {what} 'reason' must be an RFC 5280 CRLReason name such as 'keyCompromise': 1 to {RevocationEntry.MaxReasonLength} ASCII letters.");
        }

        if (entry.Kind is not (RevocationEntry.License or RevocationEntry.Attestation or RevocationEntry.Superseded))
        {
            throw new FeedFormatException($"The {what} 'kind' is '{JsonMembers.Printable(entry.Kind ?? string.Empty)}'; it must be 'license', 'attestation' or 'superseded'.");
        }

        if (entry.Kind == RevocationEntry.Superseded)
        {
            if (entry.Revision is not >= 2)
            {
                throw new FeedFormatException($"The {what} is a revision floor ('kind' superseded) whose 'rev' is {entry.Revision?.ToString() ?? "missing"}; it must be a whole number of at least 2 (the lowest valid license key revision).");
            }

            if (entry.Reason != RevocationEntry.SupersededReason)
            {
                throw new FeedFormatException($"The {what} is a revision floor whose 'reason' is '{JsonMembers.Printable(entry.Reason)}'; a floor's reason is 'superseded'.");
            }
        }
        else if (entry.Revision is not null)
        {
            throw new FeedFormatException($"The {what} is a revocation ('kind' {entry.Kind}) with a 'rev'; only a revision floor ('kind' superseded) carries one.");
        }
    }
}
