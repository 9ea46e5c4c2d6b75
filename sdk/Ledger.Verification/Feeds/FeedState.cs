using System.Text;
using System.Text.Json;

namespace Ledger.Verification;

/// <summary>
/// What a verifier persists after accepting a feed: the issuer, the accepted (version, chain), the
/// revoked ids, when the feed expires and what it pruned. Pass it back as the previous state next time;
/// it is how rollbacks and rewritten histories are caught.
/// </summary>
public sealed record FeedState(string Issuer, long Version, string Chain, IReadOnlySet<Guid> Revoked, DateTimeOffset ExpiresAt, DateTimeOffset? PrunedBefore)
{
    private const string What = "stored feed state";

    private static readonly string[] Members = ["iss", "ver", "chain", "revoked", "revoked_exp", "superseded", "exp", "pruned_before", "from_filter"];

    /// <summary>
    /// The license expiry (<c>exp</c>) the feed gave each revoked id: a later full feed may leave an id
    /// out only once its exp is before that feed's <c>pruned_before</c>. Ids without one (a state written
    /// before this member existed) are never let go.
    /// </summary>
    public IReadOnlyDictionary<Guid, DateTimeOffset> RevokedExpiresAt { get; init; } = new Dictionary<Guid, DateTimeOffset>();

    /// <summary>
    /// Each license's revision floor (the highest the feed gave it): a key of that license with a lower
    /// <c>rev</c> is <see cref="VerificationStatus.Superseded"/>. Kept like a revocation: a later full feed
    /// may lower or leave out a floor only once its exp is before that feed's <c>pruned_before</c>.
    /// Empty in a state written before this member existed.
    /// </summary>
    public IReadOnlyDictionary<Guid, RevisionFloor> Superseded { get; init; } = new Dictionary<Guid, RevisionFloor>();

    /// <summary>
    /// True when the state came from a filter: it holds (version, chain) for rollback checks but no
    /// revocation list, so it can neither answer "revoked?" nor take a delta.
    /// </summary>
    public bool FromFilter { get; init; }

    public string ToJson()
    {
        Check(this);
        return Encoding.UTF8.GetString(JsonText.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("iss", Issuer);
            json.WriteNumber("ver", Version);
            json.WriteString("chain", Chain);
            json.WriteStartArray("revoked");
            foreach (var id in Revoked.Order())
            {
                json.WriteStringValue(id.ToString("D"));
            }

            json.WriteEndArray();
            json.WriteStartObject("revoked_exp");
            foreach (var (id, exp) in RevokedExpiresAt.Where(e => Revoked.Contains(e.Key)).OrderBy(e => e.Key))
            {
                json.WriteNumber(id.ToString("D"), exp.ToUnixTimeSeconds());
            }

            json.WriteEndObject();
            json.WriteStartObject("superseded");
            foreach (var (id, floor) in Superseded.OrderBy(e => e.Key))
            {
                json.WriteStartObject(id.ToString("D"));
                json.WriteNumber("rev", floor.Revision);
                json.WriteNumber("exp", floor.ExpiresAt.ToUnixTimeSeconds());
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteSeconds("exp", ExpiresAt);
            json.WriteNullableSeconds("pruned_before", PrunedBefore);
            json.WriteBoolean("from_filter", FromFilter);
            json.WriteEndObject();
        }));
    }

    /// <exception cref="FeedFormatException">The text is not a stored feed state; fetch a full feed and start again.</exception>
    public static FeedState Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonMembers.Parse(Encoding.UTF8.GetBytes(json), What);
        var root = JsonMembers.Of(document.RootElement, What, Members);
        var revoked = new HashSet<Guid>();
        foreach (var item in root.Array("revoked", int.MaxValue).EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String
                || !JsonMembers.TryParseCanonicalUuid(JsonMembers.StringValue(item, What), out var id)
                || !revoked.Add(id))
            {
                throw new FeedFormatException($"The {What} 'revoked' must hold distinct UUIDs in lowercase 8-4-4-4-12 form.");
            }
        }

        var expires = new Dictionary<Guid, DateTimeOffset>();
        if (document.RootElement.TryGetProperty("revoked_exp", out var revokedExp))
        {
            if (revokedExp.ValueKind != JsonValueKind.Object)
            {
                throw new FeedFormatException($"The {What} 'revoked_exp' must be an object of revoked id to Unix seconds.");
            }

            foreach (var member in revokedExp.EnumerateObject())
            {
                if (!JsonMembers.TryParseCanonicalUuid(member.Name, out var id) || !revoked.Contains(id)
                    || member.Value.ValueKind != JsonValueKind.Number || !member.Value.TryGetInt64(out var seconds)
                    || seconds is < 0 or > 253402300799 || !expires.TryAdd(id, DateTimeOffset.FromUnixTimeSeconds(seconds)))
                {
                    throw new FeedFormatException($"The {What} 'revoked_exp' must map each revoked id (once) to its expiry in whole Unix seconds.");
                }
            }
        }

        var floors = new Dictionary<Guid, RevisionFloor>();
        if (document.RootElement.TryGetProperty("superseded", out var superseded))
        {
            if (superseded.ValueKind != JsonValueKind.Object)
            {
                throw new FeedFormatException($"The {What} 'superseded' must be an object of license id to {{\"rev\", \"exp\"}}.");
            }

            foreach (var member in superseded.EnumerateObject())
            {
                if (!JsonMembers.TryParseCanonicalUuid(member.Name, out var id) || floors.ContainsKey(id))
                {
                    throw new FeedFormatException($"The {What} 'superseded' must name each license once, by its id in lowercase 8-4-4-4-12 form.");
                }

                var floor = JsonMembers.Of(member.Value, $"{What} 'superseded' floor of {id}", ["rev", "exp"]);
                floors[id] = new RevisionFloor((int)floor.Integer("rev", 2, int.MaxValue), floor.Seconds("exp"));
            }
        }

        if (!document.RootElement.TryGetProperty("from_filter", out var fromFilter) || fromFilter.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new FeedFormatException($"The {What} 'from_filter' must be true or false.");
        }

        var state = new FeedState(
            root.String("iss", RevocationFeedPayload.MaxIssuerLength),
            root.Integer("ver", 0, long.MaxValue),
            root.String("chain", 64),
            revoked,
            root.Seconds("exp"),
            root.NullableSeconds("pruned_before"))
        {
            FromFilter = fromFilter.GetBoolean(),
            RevokedExpiresAt = expires,
            Superseded = floors,
        };
        Check(state);
        return state;
    }

    public bool Equals(FeedState? other) =>
        other is not null
        && Issuer == other.Issuer
        && Version == other.Version
        && Chain == other.Chain
        && ExpiresAt == other.ExpiresAt
        && PrunedBefore == other.PrunedBefore
        && FromFilter == other.FromFilter
        && Revoked.SetEquals(other.Revoked)
        && RevokedExpiresAt.Count == other.RevokedExpiresAt.Count
        && RevokedExpiresAt.All(e => other.RevokedExpiresAt.TryGetValue(e.Key, out var exp) && exp == e.Value)
        && Superseded.Count == other.Superseded.Count
        && Superseded.All(e => other.Superseded.TryGetValue(e.Key, out var floor) && floor == e.Value);

    public override int GetHashCode() => HashCode.Combine(Issuer, Version, Chain, Revoked.Count);

    private static void Check(FeedState state)
    {
        ArgumentNullException.ThrowIfNull(state.Revoked);
        FeedRules.Issuer(state.Issuer, What);
        if (state.Version < 0)
        {
            throw new FeedFormatException($"The {What} 'ver' is {state.Version}; versions start at 0.");
        }

        FeedRules.ChainHash(state.Chain, "chain", What);
        FeedRules.Time(state.ExpiresAt, "exp", What);
        if (state.FromFilter && (state.Revoked.Count > 0 || state.Superseded.Count > 0))
        {
            throw new FeedFormatException($"The {What} came from a filter but lists revoked ids or revision floors; a filter state holds none.");
        }

        foreach (var (id, floor) in state.Superseded)
        {
            if (floor.Revision < 2)
            {
                throw new FeedFormatException($"The {What} gives license {id} the revision floor {floor.Revision}; a floor is at least 2.");
            }

            FeedRules.Time(floor.ExpiresAt, "superseded exp", What);
        }
    }
}
