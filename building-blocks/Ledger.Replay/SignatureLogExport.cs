using Ledger.Contracts.Admin.V1;
using Marten;

namespace Ledger.Replay;

/// <summary>
/// A signature log the service keeps besides its events (Notary's, docs/TRANSPARENCY.md), exported
/// after the states from the same snapshot (docs/EXPORT.md). Services without one register none.
/// </summary>
public interface ISignatureLogExport
{
    /// <summary>The entries in the snapshot the session's transaction reads.</summary>
    Task<long> CountAsync(IQuerySession session, CancellationToken cancellationToken);

    /// <summary>The first <paramref name="count"/> entries in index order, read a page at a time.</summary>
    IAsyncEnumerable<ExportedSignature> EntriesAsync(IQuerySession session, long count, int pageSize, CancellationToken cancellationToken);

    /// <summary>The latest signed checkpoint of at most <paramref name="count"/> entries, if any.</summary>
    Task<ExportedCheckpoint?> CheckpointAsync(IQuerySession session, long count, CancellationToken cancellationToken);
}
