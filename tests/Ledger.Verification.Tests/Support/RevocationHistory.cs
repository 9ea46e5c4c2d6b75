using Ledger.Crypto;

namespace Ledger.Verification.Tests.Support;

/// <summary>One issuer's revocations with their chain hashes, as the Revocation service would keep them.</summary>
public sealed class RevocationHistory(string issuer)
{
    private readonly List<(RevocationEntry Entry, byte[] Chain)> log = [];

    public long Version => log.Count == 0 ? 0 : log[^1].Entry.Version;

    public IReadOnlyList<RevocationEntry> Entries => [.. log.Select(e => e.Entry)];

    public string ChainAt(long version) =>
        FeedChain.Encode(version == 0 ? FeedChain.Genesis(issuer) : log.Single(e => e.Entry.Version == version).Chain);

    /// <summary>Revokes <paramref name="id"/> at the next version (or <paramref name="step"/> versions on, as a shared ledger sequence would).</summary>
    public RevocationEntry Revoke(Guid id, DateTimeOffset? at = null, DateTimeOffset? licenseExpires = null, string reason = "keyCompromise", string kind = RevocationEntry.License, long step = 1)
    {
        var revokedAt = at ?? LedgerWithSigningKeys.Now.AddHours(-1);
        var entry = new RevocationEntry(Version + step, id, revokedAt, reason, licenseExpires ?? revokedAt.AddDays(300), kind);
        var previous = log.Count == 0 ? FeedChain.Genesis(issuer) : log[^1].Chain;
        log.Add((entry, FeedChain.Extend(previous, entry)));
        return entry;
    }

    /// <summary>Publishes a revision floor for <paramref name="id"/> at the next version: keys below <paramref name="revision"/> are superseded.</summary>
    public RevocationEntry Supersede(Guid id, int revision, DateTimeOffset? at = null, DateTimeOffset? keysExpire = null)
    {
        var supersededAt = at ?? LedgerWithSigningKeys.Now.AddHours(-1);
        var entry = new RevocationEntry(Version + 1, id, supersededAt, RevocationEntry.SupersededReason, keysExpire ?? supersededAt.AddDays(300), RevocationEntry.Superseded, revision);
        var previous = log.Count == 0 ? FeedChain.Genesis(issuer) : log[^1].Chain;
        log.Add((entry, FeedChain.Extend(previous, entry)));
        return entry;
    }

    public Guid RevokeNew(DateTimeOffset? at = null) => Revoke(UuidV7.NewId(LedgerWithSigningKeys.Now.AddDays(-60)), at).Id;

    public RevocationFeedPayload Full(DateTimeOffset issuedAt, TimeSpan? lifetime = null, DateTimeOffset? prunedBefore = null) =>
        new(issuer, Version, RevocationFeedPayload.Full, null, PreviousChain(), ChainAt(Version), issuedAt, issuedAt + (lifetime ?? TimeSpan.FromHours(24)), 3600,
            prunedBefore, [.. log.Select(e => e.Entry).Where(e => prunedBefore is null || e.ExpiresAt >= prunedBefore)]);

    public RevocationFeedPayload DeltaSince(long baseVersion, DateTimeOffset issuedAt) =>
        new(issuer, Version, RevocationFeedPayload.Delta, baseVersion, PreviousChain(), ChainAt(Version), issuedAt, issuedAt.AddHours(24), 3600,
            null, [.. log.Select(e => e.Entry).Where(e => e.Version > baseVersion)]);

    private string PreviousChain() => log.Count < 2 ? FeedChain.Encode(FeedChain.Genesis(issuer)) : FeedChain.Encode(log[^2].Chain);
}
