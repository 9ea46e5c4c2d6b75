using Ledger.Verification;

namespace Ledger.Benchmarks.Fixtures;

/// <summary>
/// A revocation history as the Revocation service would serve it: entries with increasing ledger
/// versions, chained with <see cref="FeedChain"/>, and the full and delta feed payloads over them.
/// Versions are spaced by <c>versionStep</c> because the ledger sequence is shared with issuance.
/// </summary>
public sealed class RevocationHistory
{
    private static readonly string[] Reasons = ["keyCompromise", "superseded", "cessationOfOperation", "affiliationChanged"];

    private RevocationHistory(List<RevocationEntry> entries, byte[] previous, byte[] chain)
    {
        Entries = entries;
        Previous = previous;
        Chain = chain;
    }

    public IReadOnlyList<RevocationEntry> Entries { get; }

    public long Version => Entries.Count == 0 ? 0 : Entries[^1].Version;

    public byte[] Previous { get; }

    public byte[] Chain { get; }

    /// <summary>Revokes <paramref name="ids"/> in order, one every <paramref name="interval"/> from <paramref name="firstAt"/>.</summary>
    public static RevocationHistory Build(IReadOnlyList<Guid> ids, long versionStep, DateTimeOffset firstAt, TimeSpan interval, TimeSpan licenseLifetime)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var entries = new List<RevocationEntry>(ids.Count);
        var chain = FeedChain.Genesis(BenchIssuer.Issuer);
        var previous = chain;
        for (var i = 0; i < ids.Count; i++)
        {
            var at = WholeSeconds(firstAt + (interval * i));
            var entry = new RevocationEntry((i + 1) * versionStep, ids[i], at, Reasons[i % Reasons.Length], at + licenseLifetime, RevocationEntry.License);
            entries.Add(entry);
            previous = chain;
            chain = FeedChain.Extend(chain, entry);
        }

        return new RevocationHistory(entries, previous, chain);
    }

    public RevocationFeedPayload Full(DateTimeOffset issuedAt) => new(
        BenchIssuer.Issuer,
        Version,
        RevocationFeedPayload.Full,
        null,
        FeedChain.Encode(Previous),
        FeedChain.Encode(Chain),
        WholeSeconds(issuedAt),
        WholeSeconds(issuedAt) + TimeSpan.FromHours(24),
        3600,
        null,
        Entries);

    /// <summary>The delta a verifier at this history's version fetches after one more revocation.</summary>
    public RevocationFeedPayload DeltaWithOne(Guid id, long version, DateTimeOffset revokedAt, DateTimeOffset licenseExpiresAt, DateTimeOffset issuedAt)
    {
        var entry = new RevocationEntry(version, id, WholeSeconds(revokedAt), "keyCompromise", WholeSeconds(licenseExpiresAt), RevocationEntry.License);
        return new RevocationFeedPayload(
            BenchIssuer.Issuer,
            version,
            RevocationFeedPayload.Delta,
            Version,
            FeedChain.Encode(Chain),
            FeedChain.Encode(FeedChain.Extend(Chain, entry)),
            WholeSeconds(issuedAt),
            WholeSeconds(issuedAt) + TimeSpan.FromHours(24),
            3600,
            null,
            [entry]);
    }

    public static DateTimeOffset WholeSeconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());
}
