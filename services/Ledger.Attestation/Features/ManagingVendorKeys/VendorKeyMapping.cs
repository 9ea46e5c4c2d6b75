using Google.Protobuf.WellKnownTypes;
using Ledger.Attestation.VendorKeys;
using V1 = Ledger.Contracts.Attestation.V1;

namespace Ledger.Attestation.Features.ManagingVendorKeys;

public static class VendorKeyMapping
{
    public static V1.VendorKey ToProto(this VendorKey key, string vendorId) => new()
    {
        VendorId = vendorId,
        Kid = key.Kid,
        PublicJwk = key.PublicJwk,
        Status = key.IsRemoved ? V1.VendorKeyStatus.Removed : V1.VendorKeyStatus.Active,
        RegisteredAt = key.RegisteredAt.ToTimestamp(),
        RemovedAt = key.RemovedAt?.ToTimestamp(),
        RemovalReason = key.RemovalReason ?? "",
    };
}
