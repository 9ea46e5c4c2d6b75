using Ledger.Crypto;
using Ledger.Verification;

namespace Ledger.Cli.Tests.Support;

/// <summary>Full revocation feeds (docs/FEEDS.md) signed with a test key, as Revocation would sign them.</summary>
public static class SignedFeeds
{
    /// <param name="floors">Revision floors (entry kind superseded) listed after the revocations: license id and the lowest valid rev.</param>
    public static string Full(
        JsonWebKey key, string issuer, IReadOnlyList<Guid> revoked, DateTimeOffset? issuedAt = null, TimeSpan? lifetime = null,
        IReadOnlyList<(Guid Id, int Revision)>? floors = null)
    {
        var iat = DateTimeOffset.FromUnixTimeSeconds((issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds());
        var chain = FeedChain.Genesis(issuer);
        var previous = chain;
        var entries = new List<RevocationEntry>();
        foreach (var id in revoked)
        {
            var entry = new RevocationEntry(entries.Count + 1, id, iat.AddMinutes(-1), "keyCompromise", iat.AddDays(365), RevocationEntry.License);
            previous = chain;
            chain = FeedChain.Extend(chain, entry);
            entries.Add(entry);
        }

        foreach (var (id, revision) in floors ?? [])
        {
            var entry = new RevocationEntry(entries.Count + 1, id, iat.AddMinutes(-1), RevocationEntry.SupersededReason, iat.AddDays(365), RevocationEntry.Superseded, revision);
            previous = chain;
            chain = FeedChain.Extend(chain, entry);
            entries.Add(entry);
        }

        var payload = new RevocationFeedPayload(issuer, entries.Count, RevocationFeedPayload.Full, null, FeedChain.Encode(previous), FeedChain.Encode(chain),
            iat, iat + (lifetime ?? TimeSpan.FromDays(1)), 3600, null, entries);
        using var signingKey = Ed25519SigningKey.FromJwk(key);
        return Jws.Sign(payload.ToJson(), signingKey, key.Kid!, RevocationFeedPayload.TokenType);
    }
}
