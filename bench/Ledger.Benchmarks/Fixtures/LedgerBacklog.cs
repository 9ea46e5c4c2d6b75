using System.Diagnostics;
using Ledger.Testing.Processes;
using Npgsql;

namespace Ledger.Benchmarks.Fixtures;

/// <summary>
/// The work a running ledger still owes after its calls returned: events committed but not yet
/// published by a service's outbox (the <c>integration-events</c> subscription of its event store),
/// and Issuance events Revocation has not learned yet (its <c>LicenseHorizon</c> behind Issuance's
/// last published license or heartbeat event). A limit round measured while this backlog runs
/// would share the CPU with it, so scenarios drain it first.
/// </summary>
public sealed class LedgerBacklog(LedgerProcesses processes)
{
    private static readonly string[] LearnedEventTypes = ["license_issued", "license_renewed", "license_capabilities_changed", "heartbeat_recorded"];

    /// <summary>Waits until nothing is owed (or <paramref name="timeout"/> passes); returns how long it took and whether it drained.</summary>
    public async Task<(TimeSpan Waited, bool Drained, string Remaining)> DrainAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var remaining = "";
        while (clock.Elapsed < timeout)
        {
            remaining = await RemainingAsync();
            if (remaining.Length == 0)
            {
                return (clock.Elapsed, true, "");
            }

            await Task.Delay(100);
        }

        return (clock.Elapsed, false, remaining);
    }

    /// <summary>What is still owed, in words ("" when nothing).</summary>
    public async Task<string> RemainingAsync()
    {
        var owed = new List<string>();
        long learnedTarget = 0;
        foreach (var service in new[] { "issuance", "revocation", "attestation", "notary" })
        {
            await using var connection = new NpgsqlConnection(processes.ServiceDatabase(service));
            await connection.OpenAsync();
            if (!await TableExistsAsync(connection, service, "mt_event_progression"))
            {
                continue;
            }

            await using (var outbox = new NpgsqlCommand(
                $"SELECT coalesce((SELECT max(seq_id) FROM {service}.mt_events), 0), coalesce((SELECT min(last_seq_id) FROM {service}.mt_event_progression WHERE name LIKE 'integration-events%'), 0)",
                connection))
            await using (var reader = await outbox.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                var (committed, published) = (reader.GetInt64(0), reader.GetInt64(1));
                if (published < committed)
                {
                    owed.Add($"{service} outbox {committed - published} events behind");
                }
            }

            if (service == "issuance")
            {
                await using var learned = new NpgsqlCommand($"SELECT coalesce(max(seq_id), 0) FROM issuance.mt_events WHERE type = ANY(@types)", connection);
                learned.Parameters.AddWithValue("types", LearnedEventTypes);
                learnedTarget = (long)(await learned.ExecuteScalarAsync())!;
            }
            else if (service == "revocation" && await TableExistsAsync(connection, service, "mt_doc_licensehorizon"))
            {
                await using var horizon = new NpgsqlCommand(
                    "SELECT coalesce(max(coalesce(data->>'Sequence', data->>'sequence')::bigint), 0) FROM revocation.mt_doc_licensehorizon", connection);
                var applied = (long)(await horizon.ExecuteScalarAsync())!;
                if (applied < learnedTarget)
                {
                    owed.Add($"Revocation has learned Issuance's events up to sequence {applied} of {learnedTarget}");
                }
            }
        }

        return string.Join("; ", owed);
    }

    private static async Task<bool> TableExistsAsync(NpgsqlConnection connection, string schema, string table)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
        exists.Parameters.AddWithValue("name", $"{schema}.{table}");
        return (bool)(await exists.ExecuteScalarAsync())!;
    }
}
