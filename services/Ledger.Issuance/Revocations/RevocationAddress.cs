using Ledger.ServiceDefaults.Hosting;

namespace Ledger.Issuance.Revocations;

/// <summary>
/// Where Issuance reaches Revocation's gRPC API (setting <c>Ledger:Revocation:Url</c>, default
/// <see cref="RekeyClearance.DefaultUrl"/>): <see cref="RekeyClearance"/> asks it before a license gets a new key.
/// </summary>
public sealed class RevocationAddress : GrpcAddressSettings
{
    public const string Section = "Ledger:Revocation";

    protected override string Service => "Revocation";

    protected override string DefaultUrl => RekeyClearance.DefaultUrl;
}
