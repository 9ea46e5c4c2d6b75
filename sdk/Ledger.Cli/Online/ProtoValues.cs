using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;

namespace Ledger.Cli.Online;

/// <summary>Protobuf values as ledgerctl prints and reads them: times in UTC ISO 8601, enums in snake_case.</summary>
internal static class ProtoValues
{
    public static JsonNode? Time(Timestamp? timestamp) => timestamp is null ? null : Json.Time(timestamp.ToDateTimeOffset());

    public static string TimeText(Timestamp? timestamp) => timestamp is null ? "-" : Json.Time(timestamp.ToDateTimeOffset());

    /// <summary>An ISO 8601 time (2027-01-31 or 2027-01-31T12:00:00Z); without an offset it is UTC.</summary>
    public static Timestamp ParseTime(string text, string option)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw CliFailure.Usage($"{option} '{text}' is not a time; write ISO 8601, e.g. 2027-01-31 or 2027-01-31T12:00:00Z.");
        }

        return Timestamp.FromDateTimeOffset(time);
    }

    /// <summary>JSON text a service returns inside a message (event data, a JWK), as JSON when it parses.</summary>
    public static JsonNode? Embedded(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }
    }

    /// <summary>LicenseStatus.NotYetValid becomes "not_yet_valid".</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, System.Enum
    {
        var name = value.ToString();
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <summary>Reads "key_compromise" or "keyCompromise" as the enum member KeyCompromise.</summary>
    public static TEnum ParseName<TEnum>(string text, string option) where TEnum : struct, System.Enum
    {
        var wanted = text.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        foreach (var value in System.Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToString(), wanted, StringComparison.OrdinalIgnoreCase) && Convert.ToInt32(value, CultureInfo.InvariantCulture) != 0)
            {
                return value;
            }
        }

        var names = System.Enum.GetValues<TEnum>().Where(v => Convert.ToInt32(v, CultureInfo.InvariantCulture) != 0).Select(Name);
        throw CliFailure.Usage($"{option} '{text}' is not one of: {string.Join(", ", names)}.");
    }

    public static string[] Names<TEnum>() where TEnum : struct, System.Enum =>
        [.. System.Enum.GetValues<TEnum>().Where(v => Convert.ToInt32(v, CultureInfo.InvariantCulture) != 0).Select(Name)];
}
