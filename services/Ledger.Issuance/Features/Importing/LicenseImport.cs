using System.Diagnostics.Metrics;
using Ledger.Issuance.Licenses;
using Ledger.ServiceDefaults.Domain;
using Ledger.ServiceDefaults.Grpc;
using Ledger.ServiceDefaults.Hosting;
using Marten;

namespace Ledger.Issuance.Features.Importing;

/// <summary>
/// Records license keys signed outside the ledger as licenses (<see cref="LicenseImported"/>), all in
/// one commit or none. Idempotent by license id: a key recorded before comes back unchanged; the same
/// id with another key is refused. Revocation learns each one from the published LicenseImported.
/// </summary>
public sealed class LicenseImport(IDocumentStore store, LicenseRing ring, LedgerIssuer issuer, TimeProvider clock)
{
    public const int MaxKeys = 100;
    public const int MaxKeyLength = 16 * 1024;

    private static readonly Counter<long> Imported =
        LedgerTelemetry.Meter.CreateCounter<long>("ledger.licenses.imported", description: "License keys signed outside the ledger, recorded as licenses");

    public sealed record Outcome(License License, bool NewlyImported);

    public async Task<IReadOnlyList<Outcome>> ImportAsync(
        IReadOnlyList<string> licenseKeys, ImportedLicenseKey.Customer customer, string requestedBy, CancellationToken cancellationToken)
    {
        var keys = Check(licenseKeys, await ring.GetAsync(cancellationToken), customer);
        try
        {
            return await RecordAsync(keys, requestedBy, cancellationToken);
        }
        catch (Exception e) when (e is Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            // A concurrent import recorded one of them first: read again, and those are then already recorded.
            return await RecordAsync(keys, requestedBy, cancellationToken);
        }
    }

    private ImportedLicenseKey[] Check(IReadOnlyList<string> licenseKeys, Crypto.JsonWebKeySet keys, ImportedLicenseKey.Customer customer)
    {
        var invalid = new RequestValidation();
        var preconditions = new List<string>();
        var checkedKeys = new ImportedLicenseKey[licenseKeys.Count];
        for (var i = 0; i < licenseKeys.Count; i++)
        {
            var field = $"license_keys[{i}]";
            if (licenseKeys[i].Length is 0 or > MaxKeyLength)
            {
                invalid.Fail(field, $"required: a license key of at most {MaxKeyLength} characters");
                continue;
            }

            var (key, refusal) = ImportedLicenseKey.Check(licenseKeys[i], keys, issuer.Name, customer);
            if (refusal is { Precondition: true })
            {
                preconditions.Add($"{field}: {refusal.Description}");
            }
            else if (refusal is not null)
            {
                invalid.Fail(field, refusal.Description);
            }
            else
            {
                checkedKeys[i] = key!;
            }
        }

        invalid.ThrowIfInvalid();
        if (preconditions.Count > 0)
        {
            throw new RuleViolation($"Nothing was imported: {string.Join("; ", preconditions)}.");
        }

        return checkedKeys;
    }

    private async Task<IReadOnlyList<Outcome>> RecordAsync(ImportedLicenseKey[] keys, string requestedBy, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var session = store.LightweightSession();
        var ids = keys.Select(k => k.Claims.LicenseId).Distinct().ToArray();
        var existing = (await session.LoadManyAsync<License>(cancellationToken, ids)).ToDictionary(l => l.Id);
        var recorded = new Dictionary<Guid, (License License, bool New)>();
        var conflicts = new List<string>();
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            var id = key.Claims.LicenseId;
            if (recorded.TryGetValue(id, out var already))
            {
                if (already.License.Imported && await FirstKeyAsync(session, already.License, already.New, cancellationToken) != key.Token)
                {
                    conflicts.Add($"license_keys[{i}]: license id {id} appears twice with different keys");
                }

                continue;
            }

            if (existing.TryGetValue(id, out var license))
            {
                if (!license.Imported || await FirstKeyAsync(session, license, false, cancellationToken) != key.Token)
                {
                    conflicts.Add($"license_keys[{i}]: the ledger already holds license {id} with another key; a license id names one license, so this key is not recorded");
                }

                recorded[id] = (license, false);
                continue;
            }

            var imported = key.ToEvent(now, requestedBy);
            session.Events.StartStream<License>(id, imported);
            var created = License.Create(imported);
            created.Version = 1;
            recorded[id] = (created, true);
        }

        if (conflicts.Count > 0)
        {
            throw new RuleViolation($"Nothing was imported: {string.Join("; ", conflicts)}.");
        }

        await session.SaveChangesAsync(cancellationToken);
        Imported.Add(recorded.Values.Count(r => r.New));
        return keys.Select(k => new Outcome(recorded[k.Claims.LicenseId].License, recorded[k.Claims.LicenseId].New)).ToList();
    }

    /// <summary>The key an imported license was recorded with (its current key may be a later renewal's).</summary>
    private static async Task<string> FirstKeyAsync(IDocumentSession session, License license, bool isNew, CancellationToken cancellationToken)
    {
        if (isNew || license.Revision == 1)
        {
            return license.LicenseKey;
        }

        var first = await session.Events.FetchStreamAsync(license.Id, version: 1, token: cancellationToken);
        return first.Count > 0 && first[0].Data is LicenseImported e ? e.Key.Token : "";
    }
}
