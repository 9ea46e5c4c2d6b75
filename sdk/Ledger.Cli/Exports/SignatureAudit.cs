using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ledger.Cli.Exports;

/// <summary>
/// Replays Notary's signature log against what the other services recorded (their exports, docs/EXPORT.md):
/// every license signature must be the key of a license event, every feed or filter signature must be of
/// a version the revocation log reached, every attestation signature must be a recorded attestation's.
/// What is left is a signature the ledger does not know about (docs/TRANSPARENCY.md, "Audit").
/// </summary>
internal sealed class SignatureAudit
{
    private readonly HashSet<string> _licenseInputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _attestationInputs = new(StringComparer.Ordinal);
    private long _revocationHead;

    public sealed record Entry(long Index, string At, string Kid, string Purpose, string Client, string Subject, string InputSha256);

    public sealed record Finding(Entry Entry, string Problem);

    public int LicenseKeys => _licenseInputs.Count;

    public int AttestationSignatures => _attestationInputs.Count;

    public long RevocationHead => _revocationHead;

    /// <summary>Takes one event line of an export (<c>{"kind":"event","type":...,"data":{...}}</c>); other lines are ignored.</summary>
    public void Add(JsonObject line)
    {
        if (line["kind"]?.GetValue<string>() != "event" || line["data"] is not JsonObject data)
        {
            return;
        }

        switch (line["type"]?.GetValue<string>())
        {
            case "license_issued" or "license_renewed" or "license_capabilities_changed":
                if (data["key"]?["token"]?.GetValue<string>() is { } token)
                {
                    _licenseInputs.Add(InputOf(token));
                }

                break;
            case "license_was_revoked" or "attestation_was_revoked":
                _revocationHead = Math.Max(_revocationHead, data["feedVersion"]?.GetValue<long>() ?? 0);
                break;
            case "attestation_issued":
                if (data["signedStatement"]?.GetValue<string>() is { } signed)
                {
                    foreach (var input in InputsOfAttestation(signed))
                    {
                        _attestationInputs.Add(input);
                    }
                }

                break;
        }
    }

    public IReadOnlyList<Finding> Check(IEnumerable<Entry> entries)
    {
        var findings = new List<Finding>();
        foreach (var entry in entries)
        {
            var problem = entry.Purpose switch
            {
                "license" when !_licenseInputs.Contains(entry.InputSha256) =>
                    $"license key for {entry.Subject} signed but never issued: no license event of Issuance carries it",
                "feed" when FeedVersion(entry.Subject) is not { } version =>
                    $"feed signature about '{entry.Subject}', which names no feed or filter version",
                "feed" when FeedVersion(entry.Subject) > _revocationHead =>
                    $"{entry.Subject} signed, but the revocation log only reached version {_revocationHead}",
                "attestation" when !_attestationInputs.Contains(entry.InputSha256) =>
                    $"attestation {entry.Subject} signed but never recorded by Attestation",
                "license" or "feed" or "attestation" => null,
                _ => $"signature of unknown purpose '{entry.Purpose}'",
            };
            if (problem is not null)
            {
                findings.Add(new Finding(entry, problem));
            }
        }

        return findings;
    }

    /// <summary>Hex SHA-256 of a compact JWS's signing input (everything before its last '.').</summary>
    public static string InputOf(string compact) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(compact[..Math.Max(0, compact.LastIndexOf('.'))])));

    private static IEnumerable<string> InputsOfAttestation(string signed)
    {
        if (!signed.TrimStart().StartsWith('{'))
        {
            yield return InputOf(signed);
            yield break;
        }

        // JWS JSON (vendor first, Notary second): every signature's input; Notary's is among them.
        using var document = JsonDocument.Parse(signed);
        var payload = document.RootElement.GetProperty("payload").GetString();
        foreach (var signature in document.RootElement.GetProperty("signatures").EnumerateArray())
        {
            yield return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes($"{signature.GetProperty("protected").GetString()}.{payload}")));
        }
    }

    private static long? FeedVersion(string subject)
    {
        var slash = subject.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && subject[..slash] is "feed" or "filter" && long.TryParse(subject[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? version
            : null;
    }
}
