using System.Text.Json;

namespace Ledger.Verification;

/// <summary>
/// The payload of a revocation feed JWS (<c>typ: revocation-feed+jwt</c>), member for member as in
/// docs/FEEDS.md. <see cref="ToJson"/> and <see cref="Parse"/> round-trip; times are whole Unix seconds
/// (ToJson truncates finer values, so build payloads from whole seconds).
/// </summary>
public sealed record RevocationFeedPayload(
    string Issuer,
    long Version,
    string Kind,
    long? BaseVersion,
    string Previous,
    string Chain,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    int RefreshSeconds,
    DateTimeOffset? PrunedBefore,
    IReadOnlyList<RevocationEntry> Entries)
{
    public const string Full = "full";

    public const string Delta = "delta";

    public const string TokenType = "revocation-feed+jwt";

    public const int MaxIssuerLength = 256;

    private const string What = "revocation feed payload";

    private static readonly string[] Members =
        ["iss", "ver", "kind", "base", "prev", "chain", "iat", "exp", "refresh", "pruned_before", "entries"];

    private static readonly string[] EntryMembers = ["v", "id", "at", "reason", "exp", "kind"];

    private static readonly string[] FloorMembers = ["v", "id", "at", "reason", "exp", "kind", "rev"];

    public bool IsDelta => Kind == Delta;

    /// <summary>Compact JSON with members in the order of docs/FEEDS.md.</summary>
    /// <exception cref="FeedFormatException">The payload breaks a rule of the format, so no verifier would accept it.</exception>
    public byte[] ToJson()
    {
        Check(this);
        return JsonText.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("iss", Issuer);
            json.WriteNumber("ver", Version);
            json.WriteString("kind", Kind);
            json.WriteNullable("base", BaseVersion);
            json.WriteString("prev", Previous);
            json.WriteString("chain", Chain);
            json.WriteSeconds("iat", IssuedAt);
            json.WriteSeconds("exp", ExpiresAt);
            json.WriteNumber("refresh", RefreshSeconds);
            json.WriteNullableSeconds("pruned_before", PrunedBefore);
            json.WriteStartArray("entries");
            foreach (var entry in Entries)
            {
                json.WriteStartObject();
                json.WriteNumber("v", entry.Version);
                json.WriteString("id", entry.Id.ToString("D"));
                json.WriteSeconds("at", entry.RevokedAt);
                json.WriteString("reason", entry.Reason);
                json.WriteSeconds("exp", entry.ExpiresAt);
                json.WriteString("kind", entry.Kind);
                if (entry.Revision is { } revision)
                {
                    json.WriteNumber("rev", revision);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    /// <summary>Parses and checks a feed payload: every member present with its type, no others, entries in order.</summary>
    /// <exception cref="FeedFormatException">The payload is not a feed payload of docs/FEEDS.md.</exception>
    public static RevocationFeedPayload Parse(ReadOnlySpan<byte> json)
    {
        using var document = JsonMembers.Parse(json, What);
        var root = JsonMembers.Of(document.RootElement, What, Members);
        var entries = new List<RevocationEntry>();
        var index = 0;
        foreach (var item in root.Array("entries", int.MaxValue).EnumerateArray())
        {
            // A revision floor has exactly one member more than a revocation: its rev.
            var floor = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("kind", out var kind)
                && kind.ValueKind == JsonValueKind.String && kind.ValueEquals(RevocationEntry.Superseded);
            var entry = JsonMembers.Of(item, $"{What} entry #{index}", floor ? FloorMembers : EntryMembers);
            entries.Add(new RevocationEntry(
                entry.Integer("v", 1, long.MaxValue),
                entry.Uuid("id"),
                entry.Seconds("at"),
                entry.String("reason", RevocationEntry.MaxReasonLength),
                entry.Seconds("exp"),
                entry.String("kind", 16),
                floor ? (int)entry.Integer("rev", 2, int.MaxValue) : null));
            index++;
        }

        var payload = new RevocationFeedPayload(
            root.String("iss", MaxIssuerLength),
            root.Integer("ver", 0, long.MaxValue),
            root.String("kind", 16),
            root.NullableInteger("base", 0, long.MaxValue),
            root.String("prev", 64),
            root.String("chain", 64),
            root.Seconds("iat"),
            root.Seconds("exp"),
            (int)root.Integer("refresh", 1, int.MaxValue),
            root.NullableSeconds("pruned_before"),
            entries);
        Check(payload);
        return payload;
    }

    public bool Equals(RevocationFeedPayload? other) =>
        other is not null
        && Issuer == other.Issuer
        && Version == other.Version
        && Kind == other.Kind
        && BaseVersion == other.BaseVersion
        && Previous == other.Previous
        && Chain == other.Chain
        && IssuedAt == other.IssuedAt
        && ExpiresAt == other.ExpiresAt
        && RefreshSeconds == other.RefreshSeconds
        && PrunedBefore == other.PrunedBefore
        && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => HashCode.Combine(Issuer, Version, Chain, Entries.Count);

    // The rules that need no hashing; RevocationFeeds.Accept checks the chain itself.
    private static void Check(RevocationFeedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload.Entries);
        FeedRules.Issuer(payload.Issuer, What);
        if (payload.Version < 0)
        {
            throw new FeedFormatException($"The {What} 'ver' is {payload.Version}; versions start at 0.");
        }

        FeedRules.ChainHash(payload.Previous, "prev", What);
        FeedRules.ChainHash(payload.Chain, "chain", What);
        FeedRules.Lifetime(payload.IssuedAt, payload.ExpiresAt, What);
        if (payload.RefreshSeconds < 1)
        {
            throw new FeedFormatException($"The {What} 'refresh' must be at least 1 second.");
        }

        var lowest = 0L;
        switch (payload.Kind)
        {
            case Full:
                if (payload.BaseVersion is not null)
                {
                    throw new FeedFormatException($"A full {What} must have 'base' null; only a delta continues from a base.");
                }

                break;
            case Delta:
                if (payload.BaseVersion is not { } baseVersion)
                {
                    throw new FeedFormatException($"A delta {What} must name the 'base' version it continues from.");
                }

                if (baseVersion < 0 || baseVersion > payload.Version)
                {
                    throw new FeedFormatException($"The delta {What} 'base' is {baseVersion}; it must be between 0 and 'ver' ({payload.Version}).");
                }

                lowest = baseVersion;

                // A delta is never pruned, so it ends with the revocation that made 'ver'.
                var last = payload.Entries.Count == 0 ? baseVersion : payload.Entries[^1].Version;
                if (last != payload.Version)
                {
                    throw new FeedFormatException(baseVersion == payload.Version
                        ? $"The delta {What} starts and ends at version {baseVersion} but lists entries."
                        : $"The delta {What} runs from version {baseVersion} to {payload.Version} but its last entry is version {last}; a delta lists every revocation in between.");
                }

                break;
            default:
                throw new FeedFormatException($"The {What} 'kind' is '{JsonMembers.Printable(payload.Kind ?? string.Empty)}'; it must be 'full' or 'delta'.");
        }

        for (var i = 0; i < payload.Entries.Count; i++)
        {
            var entry = payload.Entries[i] ?? throw new FeedFormatException($"The {What} entry #{i} is null.");
            FeedRules.Entry(entry, $"{What} entry #{i}");
            if (entry.Version <= lowest)
            {
                throw new FeedFormatException(i == 0
                    ? $"The {What} entry #0 has version {entry.Version}, which is not after the base version {lowest}."
                    : $"The {What} entry #{i} has version {entry.Version}, not after entry #{i - 1}; entries are ordered by 'v' ascending, each version once.");
            }

            if (entry.Version > payload.Version)
            {
                throw new FeedFormatException($"The {What} entry #{i} has version {entry.Version}, after the feed's 'ver' ({payload.Version}).");
            }

            lowest = entry.Version;
        }
    }
}
