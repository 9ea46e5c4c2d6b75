using LicensesClient = Ledger.Contracts.Issuance.V1.Licenses.LicensesClient;
using RevocationsClient = Ledger.Contracts.Revocation.V1.Revocations.RevocationsClient;
using Grpc.Core;
using Ledger.Contracts.Issuance.V1;
using Ledger.Contracts.Revocation.V1;
using Ledger.Testing;

namespace Ledger.Revocation.Tests;

/// <summary>Notary, Issuance and Revocation on one test class's database and virtual host.</summary>
public class LedgerWithRevocation : LedgerServices
{
    public ServiceHost<Ledger.Issuance.Program> Issuance { get; private set; } = null!;

    public ServiceHost<Program> Revocation { get; private set; } = null!;

    public LicensesClient Licenses { get; private set; } = null!;

    public RevocationsClient Revocations { get; private set; } = null!;

    protected override bool NotaryChecksFeedVersions => true;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // The tests wait until Revocation knows each license, so the filter may cover up to its horizon
        // (no lag), rebuilt as soon as the horizon moves, which a heartbeat a second keeps moving.
        Revocation = Start<Program>(FilterSettings);
        await WaitUntilReadyAsync(Revocation);
        Issuance = Start<Ledger.Issuance.Program>(new Dictionary<string, string?> { ["Ledger:Issuance:HeartbeatSeconds"] = "1" });
        Licenses = new LicensesClient(Issuance.CreateChannel());
        Revocations = new RevocationsClient(Revocation.CreateChannel());
    }

    public static readonly IReadOnlyDictionary<string, string?> FilterSettings = new Dictionary<string, string?>
    {
        ["Ledger:Revocation:Feed:FilterLagSeconds"] = "0",
        ["Ledger:Revocation:Feed:FilterRebuildSeconds"] = "0",
    };

    /// <summary>The signed filter, once its covers_until reaches the id's timestamp (the horizon moved past it).</summary>
    public async Task<string> PullFilterCoveringAsync(Guid licenseId, TimeSpan? timeout = null)
    {
        var jwks = await FetchJwksAsync();
        using var http = Revocation.CreateClient();
        return await Eventually.Get(async () =>
        {
            var jws = await http.GetStringAsync(new Uri("/feeds/revocations/filter", UriKind.Relative));
            var filter = Ledger.Verification.RevocationFilterPayload.Parse(Ledger.Crypto.Jws.Verify(jws, jwks).Payload);
            return filter.CoversUntil >= Ledger.Crypto.UuidV7.Timestamp(licenseId) ? jws : null;
        }, timeout ?? TimeSpan.FromSeconds(30), $"the filter to cover license {licenseId}");
    }

    /// <summary>Issues a license and waits until Revocation has learned of it from LicenseIssued.</summary>
    public async Task<License> IssueKnownLicenseAsync(string customer = "cust-1", int days = 365, params string[] capabilities)
    {
        var license = (await Licenses.IssueLicenseAsync(new IssueLicenseRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Terms = new LicenseTerms
            {
                CustomerId = customer, CustomerName = "Example Corp", Product = "flux-enterprise", Audience = "flux-operator",
                DurationDays = days, Capabilities = { capabilities.Length == 0 ? ["sso"] : capabilities },
            },
        })).License;
        await Eventually.True(async () =>
        {
            try
            {
                await Revocations.GetStatusAsync(new GetStatusRequest { LicenseId = license.LicenseId });
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "Revocation to learn the license from LicenseIssued");
        return license;
    }

    public Task<RevokeResponse> RevokeAsync(string licenseId, RevocationReason reason = RevocationReason.KeyCompromise) =>
        Revocations.RevokeAsync(new RevokeRequest { LicenseId = licenseId, Reason = reason }).ResponseAsync;

    public async Task<string> PullFeedAsync(long? since = null)
    {
        using var http = Revocation.CreateClient();
        return await http.GetStringAsync(new Uri(since is null ? "/feeds/revocations" : $"/feeds/revocations?since={since}", UriKind.Relative));
    }
}
