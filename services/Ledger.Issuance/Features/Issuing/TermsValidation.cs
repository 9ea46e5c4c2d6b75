using Ledger.Issuance.Licenses;
using Ledger.ServiceDefaults.Grpc;
using Ledger.Verification;
using V1 = Ledger.Contracts.Issuance.V1;

namespace Ledger.Issuance.Features.Issuing;

/// <summary>Checks requested terms field by field; every violation is reported, named by its field path.</summary>
public static class TermsValidation
{
    public static LicenseTerms? Validate(V1.LicenseTerms? terms, string path, RequestValidation validation, DateTimeOffset now)
    {
        if (terms is null)
        {
            validation.Fail(path, "required: the license terms");
            return null;
        }

        var before = validation.Count;
        Text(validation, terms.CustomerId, $"{path}.customer_id", required: true);
        Text(validation, terms.CustomerName, $"{path}.customer_name", required: true);
        Text(validation, terms.CustomerContact, $"{path}.customer_contact", required: false);
        validation.Require(LicenseLimits.IsIdentifier(terms.Product, LicenseLimits.MaxCapabilityLength), $"{path}.product",
            "required: 1-64 characters of a-z, 0-9, ':', '.', '_', '-' (e.g. flux-enterprise)");
        validation.Require(terms.Edition.Length == 0 || LicenseLimits.IsIdentifier(terms.Edition, LicenseLimits.MaxCapabilityLength),
            $"{path}.edition", "1-64 characters of a-z, 0-9, ':', '.', '_', '-', or empty");
        var profile = terms.Profile switch
        {
            V1.LicenseProfile.Unspecified or V1.LicenseProfile.Ledger => LicenseProfile.Ledger,
            V1.LicenseProfile.Flux => LicenseProfile.Flux,
            _ => null,
        };
        validation.Require(profile is not null, $"{path}.profile", "LICENSE_PROFILE_LEDGER (default) or LICENSE_PROFILE_FLUX");
        // The Flux Operator writes and requires one audience; a Flux-profile license defaults to it.
        var audience = profile == LicenseProfile.Flux && string.IsNullOrWhiteSpace(terms.Audience) ? LicenseClaims.FluxAudience : terms.Audience;
        Text(validation, audience, $"{path}.audience", required: true);
        var capabilities = Capabilities(validation, terms.Capabilities, $"{path}.capabilities");

        var validFrom = validation.Time(terms.ValidFrom, $"{path}.valid_from") ?? now;
        if (validFrom > now.AddDays(LicenseLimits.MaxValidFromAheadDays))
        {
            // The expiry is measured from valid_from, which is unusable (and may be near the end of time).
            validation.Fail($"{path}.valid_from", $"at most {LicenseLimits.MaxValidFromAheadDays} days from now");
            return null;
        }

        DateTimeOffset expiresAt = default;
        if (terms.ExpiresAt is not null && terms.DurationDays != 0)
        {
            validation.Fail($"{path}.duration_days", "give either duration_days or expires_at, not both");
        }
        else if (terms.ExpiresAt is not null)
        {
            if (validation.Time(terms.ExpiresAt, $"{path}.expires_at") is { } explicitExpiry)
            {
                expiresAt = explicitExpiry;
                validation.Require(expiresAt > validFrom, $"{path}.expires_at", "must be after valid_from (the expiry is before the start)");
                validation.Require(expiresAt <= validFrom.AddDays(LicenseLimits.MaxDurationDays), $"{path}.expires_at",
                    $"at most {LicenseLimits.MaxDurationDays} days after valid_from");
            }
        }
        else
        {
            validation.Require(terms.DurationDays is >= LicenseLimits.MinDurationDays and <= LicenseLimits.MaxDurationDays,
                $"{path}.duration_days", $"required: {LicenseLimits.MinDurationDays} to {LicenseLimits.MaxDurationDays} days");
            expiresAt = validFrom.AddDays(terms.DurationDays);
        }

        return validation.Count > before
            ? null
            : new LicenseTerms(terms.CustomerId.Trim(), terms.CustomerName.Trim(), Optional(terms.CustomerContact), terms.Product,
                Optional(terms.Edition), audience.Trim(), capabilities, validFrom, expiresAt, profile!);
    }

    public static IReadOnlyList<string> Capabilities(RequestValidation validation, IReadOnlyList<string> requested, string path)
    {
        if (requested.Count > LicenseLimits.MaxCapabilities)
        {
            validation.Fail(path, $"at most {LicenseLimits.MaxCapabilities} capabilities; {requested.Count} given");
            return [];
        }

        for (var i = 0; i < requested.Count; i++)
        {
            validation.Require(LicenseLimits.IsIdentifier(requested[i], LicenseLimits.MaxCapabilityLength), $"{path}[{i}]",
                "1-64 characters of a-z, 0-9, ':', '.', '_', '-' (e.g. sso, fips)");
        }

        var distinct = requested.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        validation.Require(distinct.Count == requested.Count, path, "each capability at most once");
        return distinct;
    }

    private static void Text(RequestValidation validation, string value, string field, bool required)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            validation.Fail(field, "required: must not be empty");
        }
        else if (value.Length > LicenseLimits.MaxTextLength || value.Any(char.IsControl))
        {
            validation.Fail(field, $"at most {LicenseLimits.MaxTextLength} characters, no control characters");
        }
    }

    private static string? Optional(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
