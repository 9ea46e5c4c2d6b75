using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Ledger.Contracts.Admin.V1;
using Ledger.Replay;
using Marten;
using Npgsql;

namespace Ledger.Notary.Features.SignatureLog;

/// <summary>
/// Notary's signature log in its admin export (docs/EXPORT.md): every entry with its stored leaf hash,
/// and the latest checkpoint the snapshot holds, read in the export's REPEATABLE READ transaction.
/// </summary>
public sealed class SignatureLogExport(IDocumentStore store) : ISignatureLogExport
{
    private string Schema => store.Options.DatabaseSchemaName;

    public async Task<long> CountAsync(IQuerySession session, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select count(*) from {Schema}.{SignatureLogStore.EntriesTable}", Connection(session));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async IAsyncEnumerable<ExportedSignature> EntriesAsync(
        IQuerySession session, long count, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long next = 0;
        while (next < count)
        {
            await using var command = new NpgsqlCommand(
                $"select idx, at, kid, purpose, client, subject, input_sha256, leaf_hash from {Schema}.{SignatureLogStore.EntriesTable} " +
                "where idx >= @from and idx < @count order by idx limit @limit", Connection(session));
            command.Parameters.AddWithValue("from", next);
            command.Parameters.AddWithValue("count", count);
            command.Parameters.AddWithValue("limit", pageSize);
            var page = new List<ExportedSignature>(pageSize);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    page.Add(new ExportedSignature
                    {
                        Index = reader.GetInt64(0),
                        At = Timestamp.FromDateTime(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)),
                        Kid = reader.GetGuid(2).ToString(),
                        Purpose = reader.GetString(3),
                        Client = reader.GetString(4),
                        Subject = reader.GetString(5),
                        InputSha256 = ByteString.CopyFrom((byte[])reader[6]),
                        LeafHash = ByteString.CopyFrom((byte[])reader[7]),
                    });
                }
            }

            if (page.Count == 0)
            {
                // Fewer rows than counted in the same snapshot: the table was altered under it.
                throw new InvalidOperationException($"The signature log has no entry {next} although it counted {count}; its table was altered.");
            }

            foreach (var entry in page)
            {
                yield return entry;
            }

            next = page[^1].Index + 1;
        }
    }

    public async Task<ExportedCheckpoint?> CheckpointAsync(IQuerySession session, long count, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"select tree_size, root_hash, at, note from {Schema}.{SignatureLogStore.CheckpointsTable} where tree_size <= @count order by tree_size desc limit 1",
            Connection(session));
        command.Parameters.AddWithValue("count", count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new ExportedCheckpoint
        {
            TreeSize = reader.GetInt64(0),
            RootHash = ByteString.CopyFrom((byte[])reader[1]),
            At = Timestamp.FromDateTime(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)),
            Note = reader.GetString(3),
        };
    }

    private static NpgsqlConnection Connection(IQuerySession session) =>
        session.Connection ?? throw new InvalidOperationException("The export reads the signature log inside its transaction, which must be open.");
}
