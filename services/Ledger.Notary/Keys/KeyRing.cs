using Marten;

namespace Ledger.Notary.Keys;

/// <summary>
/// This replica's view of every key: which key of each purpose signs, and which keys are
/// published. Refreshed after each lifecycle change here and every few seconds (changes
/// made by other replicas), so signing never waits on the database for the key's state.
/// </summary>
public sealed class KeyRing(IDocumentStore store)
{
    private volatile IReadOnlyList<SigningKey> _keys = [];

    public IReadOnlyList<SigningKey> Keys => _keys;

    public SigningKey? Active(KeyPurpose purpose) =>
        _keys.FirstOrDefault(k => k.Purpose == purpose && k.Status == KeyStatus.Active);

    public IEnumerable<SigningKey> Published(KeyPurpose? purpose = null) =>
        _keys.Where(k => k.Status.IsPublished() && (purpose is null || k.Purpose == purpose));

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var keys = await session.Query<SigningKey>().ToListAsync(cancellationToken);
        _keys = keys.OrderBy(k => k.Purpose).ThenBy(k => k.CreatedAt).ToList();
    }
}
