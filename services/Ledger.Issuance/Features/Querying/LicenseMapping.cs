using Google.Protobuf.WellKnownTypes;
using Ledger.Issuance.Licenses;
using V1 = Ledger.Contracts.Issuance.V1;

namespace Ledger.Issuance.Features.Querying;

public static class LicenseMapping
{
    public static V1.License ToProto(this License license, DateTimeOffset now)
    {
        var proto = new V1.License
        {
            LicenseId = license.Id.ToString(),
            CustomerId = license.CustomerId,
            CustomerName = license.CustomerName,
            CustomerContact = license.CustomerContact ?? "",
            Subject = license.Subject,
            Product = license.Product,
            Edition = license.Edition ?? "",
            Audience = license.Audience,
            ValidFrom = license.ValidFrom.ToTimestamp(),
            ExpiresAt = license.ExpiresAt.ToTimestamp(),
            IssuedAt = license.IssuedAt.ToTimestamp(),
            Status = license.StatusAt(now) switch
            {
                LicenseStatus.Active => V1.LicenseStatus.Active,
                LicenseStatus.NotYetValid => V1.LicenseStatus.NotYetValid,
                LicenseStatus.Expired => V1.LicenseStatus.Expired,
                _ => V1.LicenseStatus.Revoked,
            },
            LicenseKey = license.LicenseKey,
            Kid = license.Kid,
            Revision = license.Revision,
            RevocationReason = license.RevocationReason ?? "",
            Profile = license.Profile == LicenseProfile.Flux ? V1.LicenseProfile.Flux : V1.LicenseProfile.Ledger,
            Imported = license.Imported,
        };
        proto.Capabilities.AddRange(license.Capabilities);
        if (license.RevokedAt is { } revokedAt)
        {
            proto.RevokedAt = revokedAt.ToTimestamp();
        }

        return proto;
    }
}
