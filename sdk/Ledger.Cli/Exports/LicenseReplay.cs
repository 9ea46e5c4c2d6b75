using System.Text.Json.Nodes;

namespace Ledger.Cli.Exports;

/// <summary>
/// Replays one license's events, as an export carries them, into the license's state: the
/// auditor's own fold, written from the export schema (docs/EXPORT.md) and independent of the
/// service's code, so a verifier need not trust the ledger's software to check its records.
/// tests/Ledger.Cli.Tests checks it against the service for every license event type.
/// </summary>
internal static class LicenseReplay
{
    public const string Projection = "licenses";

    public static readonly IReadOnlyList<string> EventTypes =
        ["license_issued", "license_imported", "license_renewed", "license_capabilities_changed", "license_revocation_recorded"];

    /// <summary>The state the events lead to, or the reason they cannot be replayed.</summary>
    public static (JsonObject? State, string? Problem) Replay(IReadOnlyList<(string Type, JsonObject Data)> events)
    {
        JsonObject? state = null;
        var version = 0;
        foreach (var (type, data) in events)
        {
            version++;
            var starts = type is "license_issued" or "license_imported";
            if (version == 1 != starts)
            {
                return (null, version == 1 ? $"its first event is {type}, not license_issued or license_imported" : $"event {version} is a second {type}");
            }

            switch (type)
            {
                case "license_issued":
                    state = new JsonObject
                    {
                        ["id"] = Copy(data, "licenseId"),
                        ["customerId"] = Copy(data, "customerId"),
                        ["customerName"] = Copy(data, "customerName"),
                        ["customerContact"] = Copy(data, "customerContact"),
                        ["subject"] = Copy(data, "subject"),
                        ["product"] = Copy(data, "product"),
                        ["edition"] = Copy(data, "edition"),
                        ["audience"] = Copy(data, "audience"),
                        ["capabilities"] = Copy(data, "capabilities"),
                        ["validFrom"] = Copy(data, "validFrom"),
                        ["expiresAt"] = Copy(data, "expiresAt"),
                        ["issuedAt"] = Copy(data, "at"),
                        ["revoked"] = false,
                        ["revokedAt"] = null,
                        ["revocationReason"] = null,
                        // Licenses issued before profiles existed carry none: they are Ledger's format.
                        ["profile"] = Copy(data, "profile") ?? "ledger",
                        ["audiences"] = new JsonArray(),
                        ["imported"] = false,
                    };
                    TakeKey(state, data);
                    break;
                case "license_imported":
                    state = new JsonObject
                    {
                        ["id"] = Copy(data, "licenseId"),
                        ["customerId"] = Copy(data, "customerId"),
                        ["customerName"] = Copy(data, "customerName"),
                        ["customerContact"] = null,
                        ["subject"] = Copy(data, "subject"),
                        ["product"] = Copy(data, "product"),
                        ["edition"] = Copy(data, "edition"),
                        ["audience"] = (data["audiences"] as JsonArray) is { Count: > 0 } audiences ? audiences[0]?.DeepClone() : null,
                        ["capabilities"] = Copy(data, "capabilities"),
                        ["validFrom"] = Copy(data, "validFrom"),
                        ["expiresAt"] = Copy(data, "expiresAt"),
                        ["issuedAt"] = Copy(data, "issuedAt"),
                        ["revoked"] = false,
                        ["revokedAt"] = null,
                        ["revocationReason"] = null,
                        ["profile"] = Copy(data, "profile"),
                        ["audiences"] = Copy(data, "audiences"),
                        ["imported"] = true,
                    };
                    TakeKey(state, data);
                    break;
                case "license_renewed":
                    state!["expiresAt"] = Copy(data, "expiresAt");
                    TakeKey(state, data);
                    break;
                case "license_capabilities_changed":
                    state!["capabilities"] = Copy(data, "capabilities");
                    TakeKey(state, data);
                    break;
                case "license_revocation_recorded":
                    state!["revoked"] = true;
                    state["revokedAt"] = Copy(data, "revokedAt");
                    state["revocationReason"] = Copy(data, "reason");
                    break;
                default:
                    return (null, $"event {version} has type {type}, which no license event has ({string.Join(", ", EventTypes)})");
            }
        }

        if (state is null)
        {
            return (null, "its stream has no events");
        }

        state["version"] = version;
        return (state, null);
    }

    /// <summary>The members where the replayed state and the exported state disagree (none: they match).</summary>
    public static IReadOnlyList<string> Differences(JsonObject replayed, JsonObject exported)
    {
        var differences = new List<string>();
        foreach (var (name, value) in replayed)
        {
            if (!exported.TryGetPropertyValue(name, out var recorded))
            {
                differences.Add($"{name}: the export's state has no such member");
            }
            else if (!JsonNode.DeepEquals(value, recorded))
            {
                differences.Add($"{name}: replay gives {Show(value)}, the export's state says {Show(recorded)}");
            }
        }

        foreach (var (name, _) in exported)
        {
            if (!replayed.ContainsKey(name))
            {
                differences.Add($"{name}: the export's state has it but the replay does not produce it (an export newer than this ledgerctl?)");
            }
        }

        return differences;
    }

    private static void TakeKey(JsonObject state, JsonObject data)
    {
        var key = data["key"] as JsonObject;
        state["licenseKey"] = key?["token"]?.DeepClone();
        state["kid"] = key?["kid"]?.DeepClone();
        state["revision"] = key?["revision"]?.DeepClone();
    }

    private static JsonNode? Copy(JsonObject data, string name) => data[name]?.DeepClone();

    private static string Show(JsonNode? value)
    {
        var text = value?.ToJsonString(ExportFormat.Json) ?? "null";
        return text.Length > 80 ? text[..77] + "..." : text;
    }
}
