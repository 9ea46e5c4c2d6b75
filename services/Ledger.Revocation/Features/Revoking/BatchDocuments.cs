using JasperFx;
using Ledger.Revocation.KnownLicenses;
using Ledger.Revocation.Revocations;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Revocation.Features.Revoking;

/// <summary>
/// Writes a bulk revocation's documents as two statements in the session's transaction (begun if it was not), so they
/// commit or roll back with the batch's log append and idempotency record. Marten's unit of work checks
/// every queued operation for each document added, which made a 10,000-license batch quadratic; these
/// writes keep what it guaranteed: each license's version is checked (a re-keying check that wrote it since
/// the read is a <see cref="ConcurrencyException"/>, retried by the caller) and each record is inserted,
/// never overwritten.
/// </summary>
internal static class BatchDocuments
{
    /// <summary>Stores <paramref name="licenses"/> (as changed since loaded) if none was written since: all or none.</summary>
    public static async Task UpdateAsync(IDocumentSession session, IReadOnlyList<KnownLicense> licenses, CancellationToken cancellationToken)
    {
        if (licenses.Count == 0)
        {
            return;
        }

        await session.BeginTransactionAsync(cancellationToken);
        var serializer = session.DocumentStore.Options.Serializer();
        var ids = new Guid[licenses.Count];
        var loaded = new Guid[licenses.Count];
        var next = new Guid[licenses.Count];
        var data = new string[licenses.Count];
        for (var i = 0; i < licenses.Count; i++)
        {
            var license = licenses[i];
            ids[i] = license.Id;
            loaded[i] = license.Version;
            next[i] = Guid.CreateVersion7();
            license.Version = next[i];
            data[i] = serializer.ToJson(license);
        }

        await using var command = new NpgsqlCommand(
            $"""
             update {TableOf<KnownLicense>(session)} as d
             set data = u.data, mt_version = u.next, mt_last_modified = transaction_timestamp()
             from unnest($1, $2, $3, $4) as u(id, loaded, next, data)
             where d.id = u.id and d.mt_version = u.loaded
             """, session.Connection)
        {
            Parameters =
            {
                new() { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = loaded, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = next, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            },
        };
        var updated = await command.ExecuteNonQueryAsync(cancellationToken);
        if (updated != licenses.Count)
        {
            throw new ConcurrencyException(
                $"{licenses.Count - updated} of the batch's {licenses.Count} licenses were written by another transaction after this one read them.");
        }
    }

    /// <summary>Inserts <paramref name="records"/>; an id already recorded fails the statement (and the batch's transaction).</summary>
    public static async Task InsertAsync(IDocumentSession session, IReadOnlyList<RevocationRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await session.BeginTransactionAsync(cancellationToken);
        var serializer = session.DocumentStore.Options.Serializer();
        await using var command = new NpgsqlCommand(
            $"""
             insert into {TableOf<RevocationRecord>(session)} (id, data, mt_version, mt_dotnet_type)
             select u.id, u.data, u.version, $4 from unnest($1, $2, $3) as u(id, data, version)
             """, session.Connection)
        {
            Parameters =
            {
                new() { Value = records.Select(r => r.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = records.Select(serializer.ToJson).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                new() { Value = records.Select(_ => Guid.CreateVersion7()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = typeof(RevocationRecord).FullName!, NpgsqlDbType = NpgsqlDbType.Varchar },
            },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string TableOf<TDocument>(IDocumentSession session) =>
        session.DocumentStore.Options.FindOrResolveDocumentType(typeof(TDocument)).TableName.QualifiedName;
}
