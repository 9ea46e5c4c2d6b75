using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>
/// The payload of a revocation filter JWS (<c>typ: revocation-filter+jwt</c>): the cascade over every
/// license whose UUIDv7 timestamp is at or before <paramref name="CoversUntil"/>, at ledger history
/// (<paramref name="Version"/>, <paramref name="Chain"/>). Times are whole Unix seconds.
/// </summary>
public sealed record RevocationFilterPayload(
    string Issuer,
    long Version,
    string Chain,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CoversUntil,
    byte[] Cascade)
{
    public const string TokenType = "revocation-filter+jwt";

    private const string What = "revocation filter payload";

    private static readonly string[] Members = ["iss", "ver", "chain", "iat", "exp", "covers_until", "cascade"];

    /// <summary>Compact JSON with members in the order of docs/FEEDS.md.</summary>
    /// <exception cref="FeedFormatException">The payload breaks a rule of the format, cascade bytes included.</exception>
    public byte[] ToJson()
    {
        Check(this);
        return JsonText.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("iss", Issuer);
            json.WriteNumber("ver", Version);
            json.WriteString("chain", Chain);
            json.WriteSeconds("iat", IssuedAt);
            json.WriteSeconds("exp", ExpiresAt);
            json.WriteSeconds("covers_until", CoversUntil);
            json.WriteString("cascade", Base64Url.Encode(Cascade));
            json.WriteEndObject();
        });
    }

    /// <exception cref="FeedFormatException">The payload is not a filter payload of docs/FEEDS.md.</exception>
    public static RevocationFilterPayload Parse(ReadOnlySpan<byte> json)
    {
        using var document = JsonMembers.Parse(json, What);
        var root = JsonMembers.Of(document.RootElement, What, Members);
        var payload = new RevocationFilterPayload(
            root.String("iss", RevocationFeedPayload.MaxIssuerLength),
            root.Integer("ver", 0, long.MaxValue),
            root.String("chain", 64),
            root.Seconds("iat"),
            root.Seconds("exp"),
            root.Seconds("covers_until"),
            root.VariableBytes("cascade", int.MaxValue));
        Check(payload);
        return payload;
    }

    /// <summary>The parsed cascade (already checked by <see cref="Parse"/> and <see cref="ToJson"/>).</summary>
    public RevocationCascade ReadCascade() => RevocationCascade.Parse(Cascade);

    public bool Equals(RevocationFilterPayload? other) =>
        other is not null
        && Issuer == other.Issuer
        && Version == other.Version
        && Chain == other.Chain
        && IssuedAt == other.IssuedAt
        && ExpiresAt == other.ExpiresAt
        && CoversUntil == other.CoversUntil
        && Cascade.AsSpan().SequenceEqual(other.Cascade);

    public override int GetHashCode() => HashCode.Combine(Issuer, Version, Chain, Cascade.Length);

    private static void Check(RevocationFilterPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload.Cascade);
        FeedRules.Issuer(payload.Issuer, What);
        if (payload.Version < 0)
        {
            throw new FeedFormatException($"The {What} 'ver' is {payload.Version}; versions start at 0.");
        }

        FeedRules.ChainHash(payload.Chain, "chain", What);
        FeedRules.Lifetime(payload.IssuedAt, payload.ExpiresAt, What);
        FeedRules.Time(payload.CoversUntil, "covers_until", What);
        try
        {
            RevocationCascade.Parse(payload.Cascade);
        }
        catch (FeedFormatException ex)
        {
            throw new FeedFormatException($"The {What} 'cascade' is refused: {ex.Message}", ex);
        }
    }
}
