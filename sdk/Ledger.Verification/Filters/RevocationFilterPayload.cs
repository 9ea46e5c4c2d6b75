using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>
/// The payload of a revocation filter JWS (<c>typ: revocation-filter+jwt</c>): the cascade over every
/// license whose UUIDv7 timestamp is at or before <paramref name="CoversUntil"/>, at ledger history
/// (<paramref name="Version"/>, <paramref name="Chain"/>), and every license's revision floor in that history
/// (<paramref name="Superseded"/>: license id to the lowest valid key <c>rev</c>). Times are whole Unix seconds.
/// </summary>
public sealed record RevocationFilterPayload(
    string Issuer,
    long Version,
    string Chain,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CoversUntil,
    byte[] Cascade,
    IReadOnlyDictionary<Guid, int> Superseded)
{
    public const string TokenType = "revocation-filter+jwt";

    private const string What = "revocation filter payload";

    private static readonly string[] Members = ["iss", "ver", "chain", "iat", "exp", "covers_until", "cascade", "superseded"];

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
            json.WriteStartObject("superseded");
            foreach (var (id, revision) in Superseded.OrderBy(e => e.Key))
            {
                json.WriteNumber(id.ToString("D"), revision);
            }

            json.WriteEndObject();
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
            root.VariableBytes("cascade", int.MaxValue),
            ReadFloors(document.RootElement));
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
        && Cascade.AsSpan().SequenceEqual(other.Cascade)
        && Superseded.Count == other.Superseded.Count
        && Superseded.All(e => other.Superseded.TryGetValue(e.Key, out var revision) && revision == e.Value);

    public override int GetHashCode() => HashCode.Combine(Issuer, Version, Chain, Cascade.Length);

    private static Dictionary<Guid, int> ReadFloors(System.Text.Json.JsonElement root)
    {
        if (!root.TryGetProperty("superseded", out var superseded) || superseded.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            throw new FeedFormatException($"The {What} 'superseded' must be an object of license id to its revision floor (possibly empty).");
        }

        var floors = new Dictionary<Guid, int>();
        foreach (var member in superseded.EnumerateObject())
        {
            if (!JsonMembers.TryParseCanonicalUuid(member.Name, out var id) || id == Guid.Empty
                || member.Value.ValueKind != System.Text.Json.JsonValueKind.Number || !member.Value.TryGetInt32(out var revision)
                || revision < 2 || member.Value.GetRawText().Any(c => c is '.' or 'e' or 'E' or '-' or '+')
                || !floors.TryAdd(id, revision))
            {
                throw new FeedFormatException($"The {What} 'superseded' must map each license id (lowercase 8-4-4-4-12, once) to a whole number of at least 2.");
            }
        }

        return floors;
    }

    private static void Check(RevocationFilterPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload.Cascade);
        ArgumentNullException.ThrowIfNull(payload.Superseded);
        if (payload.Superseded.Any(e => e.Key == Guid.Empty || e.Value < 2))
        {
            throw new FeedFormatException($"The {What} 'superseded' floors name non-nil license ids and revisions of at least 2.");
        }

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
