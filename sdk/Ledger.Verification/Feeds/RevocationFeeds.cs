using Ledger.Crypto;

namespace Ledger.Verification;

/// <summary>Accepts signed revocation feeds into a verifier's stored state, by the rules of docs/FEEDS.md.</summary>
public static class RevocationFeeds
{
    /// <summary>
    /// Verifies <paramref name="feedJws"/> and, when it is acceptable after <paramref name="previous"/>,
    /// returns the state to persist in its place. Fails closed: every refusal carries no state.
    /// </summary>
    public static FeedAcceptance Accept(string feedJws, JsonWebKeySet trusted, string expectedIssuer, FeedState? previous, DateTimeOffset now, FeedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentNullException.ThrowIfNull(expectedIssuer);
        options ??= FeedOptions.Default;

        var (bytes, key, failure) = SignedFeedDocument.Verify(feedJws, trusted, RevocationFeedPayload.TokenType, "revocation feed", options);
        if (failure is not null)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedSignatureInvalid, failure);
        }

        RevocationFeedPayload feed;
        try
        {
            feed = RevocationFeedPayload.Parse(bytes);
        }
        catch (FeedFormatException ex)
        {
            return FeedAcceptance.Refuse(VerificationStatus.Malformed, $"The revocation feed is signed but its payload is malformed: {ex.Message} Report this to the Revocation service's operators and keep the previous feed.");
        }

        if (SignedFeedDocument.SignedAfterKeyEnd(key!, feed.IssuedAt, "revocation feed", options) is { } lateSignature)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedSignatureInvalid, lateSignature);
        }

        if (CheckSignedDocument(feed.Issuer, feed.Version, feed.Chain, feed.IssuedAt, feed.ExpiresAt, "revocation feed", expectedIssuer, previous, now, options) is { } refusal)
        {
            return refusal;
        }

        if (!feed.IsDelta && feed.PrunedBefore is not null && previous is { FromFilter: false }
            && feed.Version - previous.Version > options.MaxUnrefoldableVersionJump)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken,
                $"The full feed is at version {feed.Version}, {feed.Version - previous.Version} past the stored version {previous.Version}, and pruned, so it cannot be checked against the stored history (at most {options.MaxUnrefoldableVersionJump} versions may be skipped that way). Fetch ?since={previous.Version}: deltas continue the stored chain.");
        }

        return feed.IsDelta ? ApplyDelta(feed, previous) : AcceptFull(feed, previous);
    }

    /// <summary>The checks a feed and a filter share: issuer, time, and version and chain against the stored state.</summary>
    internal static FeedAcceptance? CheckSignedDocument(
        string issuer, long version, string chain, DateTimeOffset issuedAt, DateTimeOffset expiresAt, string what,
        string expectedIssuer, FeedState? previous, DateTimeOffset now, FeedOptions options)
    {
        if (!string.Equals(issuer, expectedIssuer, StringComparison.Ordinal))
        {
            return FeedAcceptance.Refuse(VerificationStatus.NotCovered, $"The {what} is for issuer '{JsonMembers.Printable(issuer)}', not '{JsonMembers.Printable(expectedIssuer)}'; it cannot speak for these licenses. Fetch the {what} of issuer '{JsonMembers.Printable(expectedIssuer)}'.");
        }

        if (issuedAt > now.Plus(options.ClockSkew))
        {
            return FeedAcceptance.Refuse(VerificationStatus.Malformed, $"The {what} claims to be signed at {issuedAt.Text()}, after the given time {now.Text()} (leeway {options.ClockSkew}). Check this machine's clock; a {what} from the future is refused.");
        }

        if (expiresAt - issuedAt > options.MaxFeedLifetime)
        {
            return FeedAcceptance.Refuse(VerificationStatus.Malformed, $"The {what} was signed at {issuedAt.Text()} to stay valid until {expiresAt.Text()}, longer than the {options.MaxFeedLifetime.TotalDays:0.##} days a {what} may live: a long-lived copy could hide revocations for that long. Report this to the Revocation service's operators and keep the previous {what}.");
        }

        if (now > expiresAt.Plus(options.ClockSkew) && !options.AllowStaleFeedUnsafe)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedStale, $"The {what} expired at {expiresAt.Text()}; the time is {now.Text()}. Fetch a fresh {what}: an old one could be hiding recent revocations.");
        }

        if (previous is null)
        {
            return null;
        }

        if (!string.Equals(previous.Issuer, issuer, StringComparison.Ordinal))
        {
            return FeedAcceptance.Refuse(VerificationStatus.NotCovered, $"The stored feed state is for issuer '{JsonMembers.Printable(previous.Issuer)}', not '{JsonMembers.Printable(issuer)}'. Keep one stored state per issuer.");
        }

        if (version < previous.Version)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedRolledBack, $"The {what} is at version {version}, older than version {previous.Version} accepted before. Someone is replaying an old {what}; fetch the current one and keep the stored state.");
        }

        if (version == previous.Version && !string.Equals(chain, previous.Chain, StringComparison.Ordinal))
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken, $"The {what} is at version {version}, the version accepted before, but with another chain hash: the revocation history was rewritten. Keep the stored state and alert the operators.");
        }

        return null;
    }

    private static FeedAcceptance AcceptFull(RevocationFeedPayload feed, FeedState? previous)
    {
        // Nothing pruned means every revocation is listed: the chain is rebuilt from the start, and must
        // pass through the stored (version, chain) on its way.
        if (feed.PrunedBefore is null && FoldFailure(feed, FeedChain.Genesis(feed.Issuer), "the start of the history", previous) is { } broken)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken, broken);
        }

        // A verifier never forgets a revocation: an id it holds may leave only by pruning, once its
        // license expired before the feed's pruned_before. Otherwise the history was forked or rewritten.
        var floors = RevisionFloor.Of(feed.Entries);
        if (previous is { FromFilter: false })
        {
            var listed = feed.Entries.Where(e => e.IsRevocation).Select(e => e.Id).ToHashSet();
            foreach (var id in previous.Revoked.Where(id => !listed.Contains(id)).Order())
            {
                var known = previous.RevokedExpiresAt.TryGetValue(id, out var exp);
                if (feed.PrunedBefore is not { } prunedBefore || !known || exp >= prunedBefore)
                {
                    return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken,
                        $"The full feed at version {feed.Version} leaves out {id}, which the stored state holds as revoked" +
                        (feed.PrunedBefore is { } cut ? (known ? $" (its license expires {exp.Text()}, not before the feed's pruned_before {cut.Text()})" : " (with no known expiry, so it is never pruned)") : " (the feed pruned nothing)") +
                        ". A revocation is never forgotten: keep the stored state and alert the operators.");
                }
            }

            // A revision floor is never forgotten either: it may fall (or go) only by pruning, once every key
            // it supersedes expired before the feed's pruned_before.
            foreach (var (id, held) in previous.Superseded.OrderBy(e => e.Key))
            {
                if (floors.TryGetValue(id, out var floor) && floor.Revision >= held.Revision)
                {
                    continue;
                }

                if (feed.PrunedBefore is not { } prunedBefore || held.ExpiresAt >= prunedBefore)
                {
                    return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken,
                        $"The full feed at version {feed.Version} " +
                        (floors.TryGetValue(id, out var lower) ? $"gives license {id} the revision floor {lower.Revision}" : $"leaves out the revision floor of license {id}") +
                        $", but the stored state holds the floor {held.Revision} (its superseded keys expire {held.ExpiresAt.Text()}" +
                        (feed.PrunedBefore is { } cut ? $", not before the feed's pruned_before {cut.Text()})" : "; the feed pruned nothing)") +
                        ". A superseded key never becomes valid again: keep the stored state and alert the operators.");
                }
            }
        }

        var revocations = feed.Entries.Where(e => e.IsRevocation).ToList();
        var state = new FeedState(feed.Issuer, feed.Version, feed.Chain, revocations.Select(e => e.Id).ToHashSet(), feed.ExpiresAt, feed.PrunedBefore)
        {
            RevokedExpiresAt = revocations.ToDictionary(e => e.Id, e => e.ExpiresAt),
            Superseded = floors,
        };
        var news = previous is null ? "first feed" : $"replaces version {previous.Version}";
        return new FeedAcceptance(VerificationStatus.Valid, $"Full feed version {feed.Version} accepted ({news}): {state.Revoked.Count} revoked ids, {floors.Count} revision floors. Persist the returned state.", state);
    }

    private static FeedAcceptance ApplyDelta(RevocationFeedPayload feed, FeedState? previous)
    {
        var baseVersion = feed.BaseVersion!.Value;
        if (previous is null)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken, $"The feed is a delta from version {baseVersion}, but there is no stored state to apply it to. Fetch the full feed first.");
        }

        if (previous.FromFilter)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken, "The feed is a delta, but the stored state came from a filter and holds no revocation list to extend. Fetch the full feed.");
        }

        if (baseVersion > previous.Version)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken, $"The delta starts at version {baseVersion}, after the stored version {previous.Version}: the revocations in between (a gap) are missing. Fetch ?since={previous.Version} or the full feed.");
        }

        if (baseVersion < previous.Version)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken, $"The delta starts at version {baseVersion}, not at the stored version {previous.Version}. Fetch ?since={previous.Version} or the full feed.");
        }

        // The delta does not repeat the chain hash it starts from: the verifier holds it. Folding from the
        // stored chain reaches the signed chain only if the signer's history up to the base is this one.
        if (FoldFailure(feed, Base64Url.Decode(previous.Chain), $"the chain hash accepted at version {baseVersion}", checkpoint: null) is { } broken)
        {
            return FeedAcceptance.Refuse(VerificationStatus.FeedChainBroken, broken);
        }

        var revocations = feed.Entries.Where(e => e.IsRevocation).ToList();
        var revoked = previous.Revoked.ToHashSet();
        revoked.UnionWith(revocations.Select(e => e.Id));
        var expires = previous.RevokedExpiresAt.ToDictionary();
        foreach (var entry in revocations)
        {
            expires[entry.Id] = entry.ExpiresAt;
        }

        var floors = RevisionFloor.Of(feed.Entries, previous.Superseded);
        var state = new FeedState(feed.Issuer, feed.Version, feed.Chain, revoked, feed.ExpiresAt, previous.PrunedBefore) { RevokedExpiresAt = expires, Superseded = floors };
        return new FeedAcceptance(VerificationStatus.Valid, $"Delta from version {baseVersion} to {feed.Version} applied: {revocations.Count} new revocations, {feed.Entries.Count - revocations.Count} revision floors; {revoked.Count} revoked ids and {floors.Count} floors in all. Persist the returned state.", state);
    }

    /// <summary>
    /// Folds the entries from <paramref name="start"/>; they must reach the signed chain, passing through
    /// prev and, when given, through the <paramref name="checkpoint"/> state's (version, chain).
    /// </summary>
    private static string? FoldFailure(RevocationFeedPayload feed, byte[] start, string from, FeedState? checkpoint)
    {
        var chain = start;
        var beforeLast = start;
        var atCheckpoint = start;
        foreach (var entry in feed.Entries)
        {
            beforeLast = chain;
            chain = FeedChain.Extend(chain, entry);
            if (checkpoint is not null && entry.Version <= checkpoint.Version)
            {
                atCheckpoint = chain;
            }
        }

        if (checkpoint is not null && checkpoint.Version < feed.Version
            && !string.Equals(FeedChain.Encode(atCheckpoint), checkpoint.Chain, StringComparison.Ordinal))
        {
            return $"The full feed's history does not pass through version {checkpoint.Version} with the chain hash accepted before: revocations were rewritten or removed. Keep the stored state and alert the operators.";
        }

        if (!string.Equals(FeedChain.Encode(chain), feed.Chain, StringComparison.Ordinal))
        {
            return $"The feed's {feed.Entries.Count} entries, folded from {from}, do not reach its signed chain hash for version {feed.Version}: an entry was altered, added or left out, or the history before them was rewritten. Keep the stored state and fetch the full feed; if it is refused too, alert the operators.";
        }

        // With no entries (version 0, or an empty delta) prev is not checked here: it names history outside this feed.
        if (feed.Version == 0 && !string.Equals(feed.Previous, feed.Chain, StringComparison.Ordinal))
        {
            return "The feed is at version 0 but its 'prev' differs from its 'chain'; with nothing revoked both are chain(0).";
        }

        if (feed.Entries.Count > 0 && feed.Entries[^1].Version == feed.Version
            && !string.Equals(FeedChain.Encode(beforeLast), feed.Previous, StringComparison.Ordinal))
        {
            return $"The feed's 'prev' is not the chain hash before its newest revocation (version {feed.Version}). Keep the stored state and fetch the full feed.";
        }

        return null;
    }
}
