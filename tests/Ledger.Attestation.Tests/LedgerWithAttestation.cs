using AttestationsClient = Ledger.Contracts.Attestation.V1.Attestations.AttestationsClient;
using VendorKeysClient = Ledger.Contracts.Attestation.V1.VendorKeys.VendorKeysClient;
using Google.Protobuf.WellKnownTypes;
using Ledger.Contracts.Attestation.V1;
using Ledger.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Attestation.Tests;

/// <summary>Notary and Attestation running on one test class's database and virtual host.</summary>
public class LedgerWithAttestation : LedgerServices
{
    public ServiceHost<Program> Attestation { get; private set; } = null!;

    public AttestationsClient Attestations { get; private set; } = null!;

    public VendorKeysClient VendorKeys { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Attestation = Start<Program>();
        Attestations = new AttestationsClient(Attestation.CreateChannel());
        VendorKeys = new VendorKeysClient(Attestation.CreateChannel());
    }

    public async Task<Contracts.Attestation.V1.Attestation> AttestArtifactsAsync(params string[] artifacts) =>
        (await Attestations.AttestArtifactsAsync(new AttestArtifactsRequest { IdempotencyKey = NewKey(), Artifacts = { artifacts } })).Attestation;

    /// <summary>A vendor with a freshly generated key, registered with the ledger.</summary>
    public async Task<Vendor> RegisterVendorAsync(string vendorId)
    {
        var vendor = new Vendor(vendorId);
        await RegisterKeyAsync(vendor);
        return vendor;
    }

    public Task<VendorKeyResponse> RegisterKeyAsync(Vendor vendor) =>
        VendorKeys.RegisterVendorKeyAsync(new RegisterVendorKeyRequest { IdempotencyKey = NewKey(), VendorId = vendor.Id, PublicJwk = vendor.PublicJwk }).ResponseAsync;

    public Task<VendorKeyResponse> RemoveKeyAsync(Vendor vendor, string reason = "rotated out") =>
        VendorKeys.RemoveVendorKeyAsync(new RemoveVendorKeyRequest { IdempotencyKey = NewKey(), VendorId = vendor.Id, Kid = vendor.Kid, Reason = reason }).ResponseAsync;

    public async Task<Contracts.Attestation.V1.Attestation> CountersignAsync(string statement) =>
        (await Attestations.CountersignAsync(new CountersignRequest { IdempotencyKey = NewKey(), Statement = statement })).Attestation;

    public Task<VerifyResponse> VerifyAsync(string attestation, params string[] artifacts) =>
        Attestations.VerifyAsync(new VerifyRequest { Attestation = attestation, Artifacts = { artifacts } }).ResponseAsync;

    /// <summary>Every event the Attestation service ever stored: the proof that a refused request recorded nothing.</summary>
    public async Task<int> EventCountAsync()
    {
        await using var session = Attestation.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Events.QueryAllRawEvents().CountAsync();
    }

    public static string NewKey() => Guid.NewGuid().ToString();

    public static Timestamp At(DateTimeOffset at) => Timestamp.FromDateTimeOffset(at);
}
