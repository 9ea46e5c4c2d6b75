namespace Ledger.Verification;

/// <summary>
/// A license's revision floor as a verifier keeps it: keys with <c>rev</c> below <paramref name="Revision"/>
/// are superseded (a downgrade re-keyed the license). <paramref name="ExpiresAt"/> is the floor entry's
/// <c>exp</c>, the latest expiry of any key it supersedes: once a pruned full feed's <c>pruned_before</c>
/// passes it, the floor may be let go, as a revocation may.
/// </summary>
public readonly record struct RevisionFloor(int Revision, DateTimeOffset ExpiresAt)
{
    /// <summary>The higher floor; on equal revisions, the later expiry.</summary>
    public static RevisionFloor Max(RevisionFloor a, RevisionFloor b) =>
        a.Revision != b.Revision ? (a.Revision > b.Revision ? a : b) : (a.ExpiresAt >= b.ExpiresAt ? a : b);

    /// <summary>The highest floor per license among the revision-floor entries.</summary>
    public static Dictionary<Guid, RevisionFloor> Of(IEnumerable<RevocationEntry> entries, IReadOnlyDictionary<Guid, RevisionFloor>? start = null)
    {
        var floors = start?.ToDictionary() ?? [];
        foreach (var entry in entries.Where(e => e.Kind == RevocationEntry.Superseded))
        {
            var floor = new RevisionFloor(entry.Revision!.Value, entry.ExpiresAt);
            floors[entry.Id] = floors.TryGetValue(entry.Id, out var held) ? Max(held, floor) : floor;
        }

        return floors;
    }
}
