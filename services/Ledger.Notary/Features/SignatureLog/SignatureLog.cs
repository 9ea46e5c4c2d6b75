using Ledger.Crypto;
using Ledger.Notary.Custody;
using Ledger.Notary.Features.Signing;
using Ledger.Notary.Keys;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Hosting;
using Ledger.Verification;
using Microsoft.Extensions.Options;

namespace Ledger.Notary.Features.SignatureLog;

/// <summary>
/// The signature log as verifiers and auditors see it: checkpoints signed by the <c>checkpoint</c> key,
/// inclusion and consistency proofs, and the entries themselves. Every replica serves the same history:
/// the entries and checkpoints are in the database, the tree is rebuilt from them.
/// </summary>
public sealed class SignatureLog(
    SignatureLogStore store, SignatureTree tree, KeyRing ring, IKeyCustody custody, TimeProvider clock, LedgerIssuer issuer, IOptions<SignatureLog.Settings> settings)
{
    public const string OriginSetting = "Ledger:Notary:LogOrigin";

    /// <summary>The log's name, as bound from Ledger:Notary, checked at start.</summary>
    public sealed class Settings : IValidatedSettings
    {
        /// <summary>Unset or empty: <c>&lt;issuer&gt;/signature-log</c>.</summary>
        public string? LogOrigin { get; set; }

        public IEnumerable<(string Key, string Problem)> Problems()
        {
            // The origin is the first line of every checkpoint and the key name of its signature line.
            if (!string.IsNullOrEmpty(LogOrigin) && LogOrigin.Any(c => c is <= ' ' or > '~'))
            {
                yield return ("LogOrigin", $"must be printable ASCII characters without spaces, such as 'ledger/signature-log' (was '{LogOrigin}')");
            }
        }
    }

    /// <summary>Checkpoint signatures keep their key published this long after a rotation, so receipts carrying them still verify.</summary>
    public static readonly TimeSpan CheckpointKeyGrace = TimeSpan.FromDays(30);

    private const int SyncPage = 10_000;

    private readonly SemaphoreSlim _sync = new(1, 1);
    private readonly SemaphoreSlim _checkpointing = new(1, 1);

    /// <summary>The log's name in its checkpoints (C2SP origin): Ledger:Notary:LogOrigin, default "&lt;issuer&gt;/signature-log".</summary>
    public string Origin { get; } = settings.Value.LogOrigin is { Length: > 0 } origin
        ? origin
        : $"{issuer.Name}/signature-log";

    public SignatureLogStore Store => store;

    /// <summary>Catches the tree up with every committed entry; returns its size.</summary>
    public async Task<long> SyncAsync(CancellationToken cancellationToken)
    {
        await _sync.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                var hashes = await store.ReadLeafHashesAsync(tree.Size, SyncPage, cancellationToken);
                tree.Append(hashes);
                if (hashes.Count < SyncPage)
                {
                    return tree.Size;
                }
            }
        }
        finally
        {
            _sync.Release();
        }
    }

    /// <summary>
    /// The latest checkpoint, signing a new one first when the log has grown past it (or when
    /// <paramref name="covering"/> is not yet in it, or none exists). Called every few seconds by
    /// <see cref="CheckpointPublisher"/> and on demand for receipts.
    /// </summary>
    public async Task<StoredCheckpoint> CheckpointAsync(long? covering, bool refreshIfGrown, CancellationToken cancellationToken)
    {
        var latest = await store.ReadCheckpointAsync(null, cancellationToken);
        if (latest is not null && covering is { } index && index < latest.TreeSize && !refreshIfGrown)
        {
            return latest;
        }

        var size = await SyncAsync(cancellationToken);
        if (covering is { } needed && needed >= size)
        {
            throw new RecordNotFound($"The signature log has {size} entries; there is no entry {needed}.");
        }

        if (latest is not null && latest.TreeSize >= size)
        {
            return latest;
        }

        await _checkpointing.WaitAsync(cancellationToken);
        try
        {
            return await SignCheckpointAsync(size, cancellationToken);
        }
        finally
        {
            _checkpointing.Release();
        }
    }

    public async Task<(SignatureLogEntry Entry, IReadOnlyList<byte[]> Proof, StoredCheckpoint Checkpoint)> InclusionAsync(long index, long? treeSize, CancellationToken cancellationToken)
    {
        var entry = await store.GetAsync(index, cancellationToken)
            ?? throw new RecordNotFound($"The signature log has no entry {index}.");
        StoredCheckpoint checkpoint;
        if (treeSize is { } size)
        {
            checkpoint = await store.ReadCheckpointAsync(size, cancellationToken)
                ?? throw new RecordNotFound($"There is no checkpoint of {size} entries; ask for the latest (omit the size) or a size a checkpoint names.");
            if (index >= size)
            {
                throw new RuleViolation($"Entry {index} is not in the tree of {size} entries; ask for a later checkpoint.");
            }
        }
        else
        {
            checkpoint = await CheckpointAsync(index, refreshIfGrown: false, cancellationToken);
        }

        await SyncAsync(cancellationToken);
        return (entry, tree.InclusionProof(index, checkpoint.TreeSize), checkpoint);
    }

    public async Task<IReadOnlyList<byte[]>> ConsistencyAsync(long from, long to, CancellationToken cancellationToken)
    {
        var size = await SyncAsync(cancellationToken);
        if (from < 0 || to < from || to > size)
        {
            throw new RuleViolation($"A consistency proof goes from a size to a larger one within the log's {size} entries, not from {from} to {to}.");
        }

        return tree.ConsistencyProof(from, to);
    }

    private async Task<StoredCheckpoint> SignCheckpointAsync(long size, CancellationToken cancellationToken)
    {
        var key = ring.Active(KeyPurpose.Checkpoint)
            ?? throw new RuleViolation("The checkpoint ring has no active key yet; Notary creates one at start. Retry in a moment.");
        var now = clock.GetUtcNow();
        var checkpoint = new LogCheckpoint(Origin, size, tree.Root(size), DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()));
        var body = System.Text.Encoding.UTF8.GetBytes(checkpoint.Body());
        var signature = await custody.SignAsync(key.Id, KeyPurpose.Checkpoint, body, cancellationToken);
        var publicKey = Base64Url.Decode(JsonWebKey.Parse(key.PublicJwk).X);
        var note = checkpoint.ToNote(publicKey, signature);
        var stored = await store.SaveCheckpointAsync(checkpoint, note, key.Id, now + CheckpointKeyGrace, cancellationToken);
        if (!stored.RootHash.AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new InvalidOperationException($"The stored checkpoint of {size} entries has another root than the log's entries: the signature log's tables were altered.");
        }

        return stored;
    }
}
